"""Permission codes of the live app (registered through core.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LIVE_VIEW = "live.view"
LIVE_MANAGE = "live.manage"
LIVE_CONSOLE = "live.console"
LIVE_LEGAL = "live.legal_override"

LABELS = {
    LIVE_VIEW: _("查看直播计划与场次"),
    LIVE_MANAGE: _("管理直播计划、场次与话术"),
    LIVE_CONSOLE: _("使用直播控制台（留资、勾选、备注）"),
    LIVE_LEGAL: _("直播合规放行（法务）"),
}
