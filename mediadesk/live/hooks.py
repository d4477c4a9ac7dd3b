"""How the live app shows up in the apps below it: a `live_slots_missing` finding in the
matrix standards check and the sessions on the content calendar (their own colour)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core.params import MAX_ID

LIVE_COLOUR = "#d6336c"


def slot_findings(account_ids: list[int]) -> dict[int, list[Any]]:
    """Accounts with recurring live slots whose bio does not name every slot's start time."""
    from mediadesk.live import rules
    from mediadesk.live.models import RecurringSlot
    from mediadesk.matrix.rules import Finding

    out: dict[int, list[Any]] = {}
    slots = RecurringSlot.objects.filter(account_id__in=account_ids).select_related("account")
    for slot in slots:
        bio = f"{slot.account.bio} {slot.account.live_schedule}"
        start = dt.datetime.combine(dt.date(2000, 1, 3), slot.start)
        if rules.bio_mentions(bio, start) or slot.account_id in out:
            continue
        message = _("账号设有固定直播时段（%(time)s），简介中没有写明直播时间") % {
            "time": f"{slot.start:%H:%M}"
        }
        finding = Finding("live_slots_missing", "warning", message, "bio", {"time": slot.start})
        out[slot.account_id] = [finding]
    return out


def calendar_events(user: Any, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The user's visible live sessions in [start, end) as content-calendar events."""
    from mediadesk.live import access
    from mediadesk.live.models import Status

    if not access.can_view(user):
        return []
    url = reverse("live:session", args=[MAX_ID]).replace(str(MAX_ID), "{}")
    rows = (
        access.visible_sessions(user)
        .filter(planned_start__gte=start, planned_start__lt=end)
        .exclude(status=Status.CANCELLED)
        .values("pk", "title", "planned_start", "planned_end", "status", "account__name")[:500]
    )
    return [
        {
            "id": f"live-{r['pk']}",
            "title": f"{_('直播')}·{r['title']}",
            "start": timezone.localtime(r["planned_start"])
            .replace(tzinfo=None)
            .isoformat(timespec="minutes"),
            "end": timezone.localtime(r["planned_end"])
            .replace(tzinfo=None)
            .isoformat(timespec="minutes"),
            "backgroundColor": LIVE_COLOUR,
            "borderColor": LIVE_COLOUR,
            "editable": False,
            "classNames": ["md-cal-live"],
            "url": url.format(r["pk"]),
            "extendedProps": {"kind": "live", "status": r["status"], "account": r["account__name"]},
        }
        for r in rows
    ]


def install() -> None:
    """Register the hooks once (AppConfig.ready)."""
    from mediadesk.content import calendar
    from mediadesk.matrix import queries as matrix_queries

    if slot_findings not in matrix_queries.EXTRA_FINDINGS:
        matrix_queries.EXTRA_FINDINGS.append(slot_findings)
    if calendar_events not in calendar.EXTRA_EVENTS:
        calendar.EXTRA_EVENTS.append(calendar_events)
