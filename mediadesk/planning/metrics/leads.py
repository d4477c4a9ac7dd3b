"""Providers reading the leads capability: leads (线索), visits (到访), deals (成交)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from mediadesk.leads.models import Deal, Touch, Visit
from mediadesk.planning.metrics import Metric, Scope, ids, memo, register

ROW_LIMIT = 200


def _day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return low, high


def touches(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Touch]:
    """Leads captured in the period within the scope."""
    low, high = _day_range(start, end)
    qs = Touch.objects.filter(organisation_id=org_id, captured_at__gte=low, captured_at__lt=high)
    for key, lookup in {
        "projects": "project_id__in",
        "accounts": "account_id__in",
        "items": "content_item_id__in",
        "platforms": "account__platform__code__in",
        "person": "captured_by_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    return qs


def visits(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Visit]:
    low, high = _day_range(start, end)
    qs = Visit.objects.filter(organisation_id=org_id, visited_at__gte=low, visited_at__lt=high)
    if values := ids(scope, "projects"):
        qs = qs.filter(project_id__in=values)
    return qs


def deals(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Deal]:
    """Deals subscribed (认购) in the period, cancelled ones excluded."""
    low, high = _day_range(start, end)
    qs = Deal.objects.filter(
        organisation_id=org_id, subscribed_at__gte=low, subscribed_at__lt=high
    ).exclude(stage=Deal.Stage.CANCELLED)
    if values := ids(scope, "projects"):
        qs = qs.filter(project_id__in=values)
    if values := ids(scope, "person"):
        qs = qs.filter(consultant_id__in=values)
    return qs


GROUPABLE = {"projects": "project_id", "accounts": "account_id"}


def _single_key(scope: Scope) -> str | None:
    """The scope's only filled key when touches can be grouped by it (projects or accounts)."""
    keys = [k for k in scope if ids(scope, k)]
    return keys[0] if len(keys) == 1 and keys[0] in GROUPABLE else None


def _grouped(org_id: int, column: str, start: dt.date, end: dt.date) -> dict[Any, int]:
    rows = touches(org_id, {}, start, end).values(column).annotate(n=Count("id"))
    return {r[column]: r["n"] for r in rows}


def lead_count(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """线索量; inside a recompute batch, one grouped query per period serves every key result
    scoped by projects (or accounts) alone."""
    key = _single_key(scope)
    if key is not None:
        column = GROUPABLE[key]
        counts = memo(("touches", org_id, column, start, end),
                      lambda: _grouped(org_id, column, start, end))  # fmt: skip
        if counts is not None:
            return Decimal(sum(counts.get(int(v), 0) for v in set(ids(scope, key))))
    return Decimal(touches(org_id, scope, start, end).count())


def _count(query: Any) -> Any:
    def actual(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
        return Decimal(query(org_id, scope, start, end).count())

    return actual


def touch_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = touches(org_id, scope, start, end).order_by("-captured_at")
    return [
        {
            "label": t.get_source_display(),
            "date": t.captured_at,
            "value": 1,
            "url": f"/leads/customers/{t.customer_id}/",
        }
        for t in qs[:ROW_LIMIT]
    ]


def visit_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = visits(org_id, scope, start, end).select_related("project")
    return [
        {"label": str(v.project), "date": v.visited_at, "value": 1, "url": ""}
        for v in qs[:ROW_LIMIT]
    ]


def deal_units(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(deals(org_id, scope, start, end).aggregate(v=Sum("units"))["v"] or 0)


def deal_amount(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    fen = deals(org_id, scope, start, end).aggregate(v=Sum("amount_fen"))["v"] or 0
    return Decimal(fen) / 100


def deal_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = deals(org_id, scope, start, end).select_related("project").order_by("-subscribed_at")
    return [
        {
            "label": f"{d.project} {d.unit_label}",
            "date": d.subscribed_at,
            "value": d.units,
            "url": f"/leads/customers/{d.customer_id}/",
        }
        for d in qs[:ROW_LIMIT]
    ]


LEADS = _("线索：留资记录")
SCOPES = ("projects", "accounts", "items", "platforms", "person")
register(
    Metric("leads", _("线索量"), LEADS, _("条"), lead_count, touch_rows, scopes=SCOPES),
    Metric(
        "visits",
        _("到访量"),
        _("线索：到访记录"),
        _("组"),
        _count(visits),
        visit_rows,
        scopes=("projects",),
    ),
    Metric(
        "deals",
        _("成交套数"),
        _("线索：成交记录(认购，不含退房)"),
        _("套"),
        deal_units,
        deal_rows,
        scopes=("projects", "person"),
    ),
    Metric(
        "deal_amount",
        _("成交金额"),
        _("线索：成交记录(认购，不含退房)"),
        _("元"),
        deal_amount,
        deal_rows,
        scopes=("projects", "person"),
    ),
)
