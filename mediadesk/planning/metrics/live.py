"""Providers reading the live capability: sessions held, 观看人数/人次, 场均观看, leads captured
in sessions (线索 whose touch names the session) and the deals of those customers (线上成交).

A session counts in the period of its planned start once it has ended (已结束/已复盘);
`person` means the session's anchors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Avg, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, Scope, ids, register

ROW_LIMIT = 200
SCOPES = ("accounts", "platforms", "projects", "person")


def sessions(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Sessions held (ended or reviewed) whose planned start lies in the period."""
    from mediadesk.live.models import Session, Status
    from mediadesk.planning.metrics.leads import _day_range

    low, high = _day_range(start, end)
    qs = Session.objects.filter(
        organisation_id=org_id,
        planned_start__gte=low,
        planned_start__lt=high,
        status__in=[Status.ENDED, Status.REVIEWED],
    )
    for key, lookup in {
        "accounts": "account_id__in",
        "platforms": "account__platform__code__in",
        "projects": "project_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    if people := ids(scope, "person"):
        qs = qs.filter(pk__in=Session.anchors.through.objects.filter(
            user_id__in=people).values("session_id"))  # fmt: skip
    return qs


def _figures(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    from mediadesk.live.models import Figures

    return Figures.objects.filter(session__in=sessions(org_id, scope, start, end).values("pk"))


def held(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(sessions(org_id, scope, start, end).distinct().count())


def sum_of(field: str) -> Any:
    def actual(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
        total = _figures(org_id, scope, start, end).aggregate(v=Sum(field))["v"]
        return None if total is None else Decimal(total)

    return actual


def average_viewers(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """场均观看 = Σ 观看人数 / sessions with a known 观看人数."""
    mean = _figures(org_id, scope, start, end).exclude(viewers=None).aggregate(v=Avg("viewers"))
    return None if mean["v"] is None else Decimal(str(mean["v"])).quantize(Decimal("0.01"))


def touches(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Leads (touches) captured in the period's held sessions."""
    from mediadesk.leads.models import Touch

    held_ids = sessions(org_id, scope, start, end).values("pk")
    return Touch.objects.filter(organisation_id=org_id, live_session__in=held_ids)


def leads(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(touches(org_id, scope, start, end).count())


def deals(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """线上成交: deals subscribed in the period by customers who left details in a session."""
    from mediadesk.planning.metrics.leads import deals as all_deals

    customers = touches(org_id, scope, start, end).values("customer_id")
    return all_deals(org_id, {}, start, end).filter(customer_id__in=customers)


def deal_units(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(deals(org_id, scope, start, end).aggregate(v=Sum("units"))["v"] or 0)


def session_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = sessions(org_id, scope, start, end).select_related("account", "figures").distinct()
    out = []
    for s in qs.order_by("-planned_start")[:ROW_LIMIT]:
        figures = getattr(s, "figures", None)
        out.append({
            "label": f"{s.account} · {s.title}", "date": s.planned_start,
            "value": getattr(figures, "viewers", None) if figures else None,
            "url": f"/live/sessions/{s.pk}/",
        })  # fmt: skip
    return out


def touch_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = touches(org_id, scope, start, end).select_related("live_session")
    return [
        {"label": f"{t.live_session.title} · {t.get_source_display()}", "date": t.captured_at,
         "value": 1, "url": f"/leads/customers/{t.customer_id}/"}
        for t in qs.order_by("-captured_at")[:ROW_LIMIT]
    ]  # fmt: skip


def deal_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = deals(org_id, scope, start, end).select_related("project").order_by("-subscribed_at")
    return [
        {"label": f"{d.project} {d.unit_label}", "date": d.subscribed_at, "value": d.units,
         "url": f"/leads/customers/{d.customer_id}/"}
        for d in qs[:ROW_LIMIT]
    ]  # fmt: skip


SOURCE = _("直播：已结束的场次与其数据")
LEADS = _("直播：场次内留资的线索")
register(
    Metric("live_sessions", _("直播场次"), SOURCE, _("场"), held, session_rows, scopes=SCOPES),
    Metric("live_viewers", _("直播观看人数"), SOURCE, _("人"), sum_of("viewers"),
           session_rows, scopes=SCOPES),
    Metric("live_views", _("直播观看人次"), SOURCE, _("次"), sum_of("views"), session_rows,
           scopes=SCOPES),
    Metric("live_avg_viewers", _("场均观看"), SOURCE, _("人"), average_viewers, session_rows,
           kind="level", scopes=SCOPES),
    Metric("live_leads", _("直播留资"), LEADS, _("条"), leads, touch_rows, scopes=SCOPES),
    Metric("live_deals", _("线上成交套数"), _("线索：直播留资客户的成交(认购，不含退房)"),
           _("套"), deal_units, deal_rows, scopes=SCOPES),
)  # fmt: skip
