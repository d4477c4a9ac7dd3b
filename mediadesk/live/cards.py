"""The live card of the 工作台: sessions starting within 24 hours and those not ready."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core.cockpit import Card, Line, counted, link
from mediadesk.live import access
from mediadesk.live.filters import PlanFilters

SOON_HOURS = 24


def not_ready(user: Any) -> Card | None:
    """24 小时内开播 and the ones whose checklist is still open, with those sessions listed."""
    if not access.can_view(user):
        return None
    sessions = access.visible_sessions(user)
    soon = {"soon": SOON_HOURS}
    unready = {**soon, "not_ready": "1"}
    figures = [
        counted(_("24 小时内开播"), PlanFilters, sessions, "live:plan", soon),
        counted(_("未准备好"), PlanFilters, sessions, "live:plan", unready, alarm="danger"),
    ]
    rows = PlanFilters.from_query(unready).sorted(sessions)[:5]
    lines = [
        Line(f"{s.account.name} · {s.title}",
             timezone.localtime(s.planned_start).strftime("%m-%d %H:%M"),
             link("live:session", None, s.pk), tone="danger")
        for s in rows
    ]  # fmt: skip
    return Card("live_not_ready", _("直播准备"), "bi-broadcast", figures=figures, lines=lines)
