"""Weekly and monthly plan views (周计划/月计划): my tasks of the period by 重要紧急 quadrant, with
the planned content and live sessions of the period beside them."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mediadesk.planning import access, forms
from mediadesk.planning.models import Task

QUADRANTS = (("q1", True, True), ("q2", True, False), ("q3", False, True), ("q4", False, False))
LIMIT = 300


def period(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday–Sunday) or the calendar month around `day`."""
    if view == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))  # fmt: skip


def quadrants(user: Any, low: dt.datetime, high: dt.datetime) -> list[dict[str, Any]]:
    """My tasks due in the period (open or done in it), per quadrant."""
    tasks = list(
        access.my_tasks(user)
        .filter(due_at__gte=low, due_at__lt=high)
        .exclude(status=Task.Status.CANCELLED)
        .order_by("due_at", "id")[:LIMIT]
    )
    return [{"key": k, "important": i, "urgent": u,
             "tasks": [t for t in tasks if t.important == i and t.urgent == u]}
            for k, i, u in QUADRANTS]  # fmt: skip


def planned(user: Any, low: dt.datetime, high: dt.datetime) -> dict[str, list[Any]]:
    """Planned content (platform variants) and live sessions of the period the user may see."""
    from mediadesk.content.queries import visible_variants
    from mediadesk.live import access as live_access
    from mediadesk.live.models import Status

    variants = (
        visible_variants(user)
        .filter(planned_at__gte=low, planned_at__lt=high)
        .select_related("account", "item")
        .order_by("planned_at", "id")[:LIMIT]
    )
    sessions: list[Any] = []
    if live_access.can_view(user):
        sessions = list(
            live_access.visible_sessions(user)
            .filter(planned_start__gte=low, planned_start__lt=high)
            .exclude(status=Status.CANCELLED)
            .select_related("account")
            .order_by("planned_start")[:LIMIT]
        )
    return {"variants": list(variants), "sessions": sessions}


@login_required
def plan_view(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    view = "month" if request.GET.get("view") == "month" else "week"
    day = forms.parse_date(request.GET.get("date", "")) or timezone.localdate()
    start, end = period(view, day)
    low, high = _bounds(start, end)
    step = dt.timedelta(days=7) if view == "week" else dt.timedelta(days=32)
    context = {"view": view, "start": start, "end": end,
               "prev": (start - dt.timedelta(days=1)).isoformat(), "next": (start + step).isoformat(),
               "quadrants": quadrants(request.user, low, high), **planned(request.user, low, high)}  # fmt: skip
    return render(request, "planning/plan_view.html", context)
