"""Providers reading the review capability: median review time (hours) per step."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, Scope, ids, register
from mediadesk.planning.metrics.leads import _day_range
from mediadesk.review.models import StepState


def acted(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[StepState]:
    """Steps acted on in the period (started and acted times known)."""
    low, high = _day_range(start, end)
    qs = StepState.objects.filter(
        run__organisation_id=org_id,
        acted_at__gte=low,
        acted_at__lt=high,
        started_at__isnull=False,
    )
    if values := ids(scope, "projects"):
        qs = qs.filter(run__project_id__in=values)
    return qs


def median_hours_by_step(
    org_id: int, scope: Scope, start: dt.date, end: dt.date
) -> dict[str, float]:
    """{step name: median hours from start to decision} — the PDCA Check's process figure."""
    spans: dict[str, list[float]] = {}
    for name, began, done in acted(org_id, scope, start, end).values_list(
        "step__name", "started_at", "acted_at"
    ):
        if done and began:
            spans.setdefault(name, []).append((done - began).total_seconds() / 3600)
    return {name: round(statistics.median(v), 2) for name, v in spans.items()}


def median_hours(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    spans = [
        (done - began).total_seconds() / 3600
        for began, done in acted(org_id, scope, start, end).values_list("started_at", "acted_at")
        if done and began
    ]
    return Decimal(str(round(statistics.median(spans), 2))) if spans else None


def rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = acted(org_id, scope, start, end).select_related("step", "run__item")
    return [
        {
            "label": f"{s.step.name} · {s.run.item}",
            "date": s.acted_at,
            "value": round((s.acted_at - s.started_at).total_seconds() / 3600, 2),  # type: ignore[operator]
            "url": f"/review/runs/{s.run_id}/",
        }
        for s in qs.order_by("-acted_at")[:200]
    ]


register(
    Metric(
        "review_hours",
        _("审核用时中位数"),
        _("内容审核：各步骤开始到审核的时间"),
        _("小时"),
        median_hours,
        rows,
        kind="level",
        scopes=("projects",),
    )
)
