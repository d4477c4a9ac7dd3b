"""Providers reading the content calendar: posts published, on-time publishing rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from mediadesk.content.models import Status, Variant
from mediadesk.planning.metrics import Metric, Scope, ids, register
from mediadesk.planning.metrics.leads import _day_range

ON_TIME_GRACE = dt.timedelta(hours=1)


def published(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Variant]:
    """Variants published in the period within the scope."""
    low, high = _day_range(start, end)
    qs = Variant.objects.filter(
        organisation_id=org_id,
        status=Status.PUBLISHED,
        published_at__gte=low,
        published_at__lt=high,
    )
    for key, lookup in {
        "accounts": "account_id__in",
        "platforms": "account__platform__code__in",
        "series": "item__series_id__in",
        "projects": "project_id__in",
        "items": "item_id__in",
        "person": "owner_id__in",
        "campaign": "item__marketing_node_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    return qs


def posts_published(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(published(org_id, scope, start, end).count())


def on_time_rate(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """按时发布率 (%) = published within an hour of the plan / planned and published."""
    planned = published(org_id, scope, start, end).filter(planned_at__isnull=False)
    total = planned.count()
    if not total:
        return None
    on_time = planned.filter(published_at__lte=F("planned_at") + ON_TIME_GRACE).count()
    return (Decimal(on_time) * 100 / total).quantize(Decimal("0.0001"))


def rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = published(org_id, scope, start, end).select_related("item", "account")
    return [
        {
            "label": f"{v.account} · {v.item.title}",
            "date": v.published_at,
            "value": 1,
            "url": f"/content/items/{v.item_id}/",
        }
        for v in qs.order_by("-published_at")[:200]
    ]


SOURCE = _("内容日历：已发布的平台稿")
register(
    Metric("posts_published", _("发布量"), SOURCE, _("篇"), posts_published, rows),
    Metric("on_time_rate", _("按时发布率"), SOURCE, "%", on_time_rate, rows, kind="level"),
)
