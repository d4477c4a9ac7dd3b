"""Live-streaming metrics: listed in the catalogue, their providers arrive with the live app.

Sessions held cannot be counted honestly from what exists today (leads only carry a free-text
live-session reference for sessions that produced a lead), so the actual stays unknown until
the live app registers providers for these codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, register

SOURCE = _("直播模块(即将上线)")

register(
    Metric("live_sessions", _("直播场次"), SOURCE, _("场"), scopes=("accounts", "person")),
    Metric("live_viewers", _("直播观看人数"), SOURCE, _("人"), scopes=("accounts", "person")),
    Metric("live_leads", _("直播留资"), SOURCE, _("条"), scopes=("accounts", "person")),
)
