"""Providers reading the publishing capability: posts the publisher sent out, the share sent
on time (within `PLANNING_ON_TIME_MINUTES` of the scheduled time) and 1-hour checks done.

`person` means the account's custodian (the operator) or whoever queued the job.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, Scope, ids, register

ROW_LIMIT = 200
SCOPES = ("accounts", "platforms", "projects", "items", "series", "campaign", "person")


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "PLANNING_ON_TIME_MINUTES", 60)))


def _scoped(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    for key, lookup in {
        "accounts": "account_id__in",
        "platforms": "platform__code__in",
        "projects": "project_id__in",
        "items": "variant__item_id__in",
        "series": "variant__item__series_id__in",
        "campaign": "variant__item__marketing_node_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    return qs


def jobs(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Publish jobs that reached 已发布 in the period."""
    from mediadesk.planning.metrics.leads import _day_range
    from mediadesk.publishing.models import PublishJob, State

    low, high = _day_range(start, end)
    qs = PublishJob.objects.filter(
        organisation_id=org_id, state=State.PUBLISHED, published_at__gte=low, published_at__lt=high
    )
    if people := ids(scope, "person"):
        qs = qs.filter(Q(account__custodian_id__in=people) | Q(created_by_id__in=people))
    return _scoped(qs, scope)


def published(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    return Decimal(jobs(org_id, scope, start, end).count())


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.0001")) if whole else None


def on_time(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """准时发布率 (%) = published within the grace of the scheduled time / published."""
    qs = jobs(org_id, scope, start, end)
    late = qs.filter(published_at__gt=F("scheduled_at") + _grace()).count()
    total = qs.count()
    return _percent(total - late, total)


def checks(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """1-hour post checks due in the period (up to now)."""
    from django.utils import timezone

    from mediadesk.planning.metrics.leads import _day_range
    from mediadesk.publishing.models import PostCheck

    low, high = _day_range(start, end)
    qs = PostCheck.objects.filter(
        organisation_id=org_id, due_at__gte=low, due_at__lt=min(high, timezone.now())
    )
    if people := ids(scope, "person"):
        qs = qs.filter(Q(job__account__custodian_id__in=people) | Q(confirmed_by_id__in=people))
    for key, lookup in {
        "accounts": "job__account_id__in",
        "platforms": "job__platform__code__in",
        "projects": "project_id__in",
        "items": "variant__item_id__in",
    }.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    return qs


def checks_done(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """1 小时检查完成率 (%) = checks confirmed / checks due."""
    qs = checks(org_id, scope, start, end)
    return _percent(qs.exclude(confirmed_at=None).count(), qs.count())


def job_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = jobs(org_id, scope, start, end).select_related("account").order_by("-published_at")
    grace = _grace()
    return [
        {"label": f"{j.account} · {j.payload.get('title', '') if isinstance(j.payload, dict) else ''}",
         "date": j.published_at, "value": int(j.published_at <= j.scheduled_at + grace),
         "url": f"/publishing/jobs/{j.pk}/"}
        for j in qs[:ROW_LIMIT]
    ]  # fmt: skip


def check_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = checks(org_id, scope, start, end).select_related("job__account").order_by("-due_at")
    return [
        {"label": str(c.job.account), "date": c.due_at, "value": int(c.confirmed_at is not None),
         "url": f"/publishing/jobs/{c.job_id}/"}
        for c in qs[:ROW_LIMIT]
    ]  # fmt: skip


SOURCE = _("发布：发布任务与发布后检查")
register(
    Metric("jobs_published", _("自动发布成功数"), SOURCE, _("篇"), published, job_rows,
           scopes=SCOPES),
    Metric("publish_on_time_rate", _("准时发布率"), SOURCE, "%", on_time, job_rows,
           kind="level", scopes=SCOPES),
    Metric("post_checks_rate", _("发布后 1 小时检查完成率"), SOURCE, "%", checks_done,
           check_rows, kind="level", scopes=("accounts", "platforms", "projects", "items", "person")),
)  # fmt: skip
