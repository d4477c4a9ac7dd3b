"""Permission codes of the publishing app (granted through the registry in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VIEW = "publishing.view"  # the queue, packages, checks and connections in scope
PUBLISH = "publishing.publish"  # schedule, cancel, retry, manual, withdraw, 1-hour check
CONNECT = "publishing.connect"  # connect accounts (credentials stay sealed)

LABELS = {
    VIEW: _("查看发布队列"),
    PUBLISH: _("排期与发布"),
    CONNECT: _("连接平台账号"),
}
