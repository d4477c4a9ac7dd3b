"""Member queries: scope, segment rules, and the figures goals and reports read."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core.scopes import has_perm, organisation_ids
from mediadesk.orgs.models import Organisation
from mediadesk.private import perms
from mediadesk.private.models import STAGE_ORDER, Event, Member, StageChange, WakeUpTarget


def members_for(user: Any) -> QuerySet[Member]:
    """The members a user may see (their organisation, with private.view)."""
    if not has_perm(user, perms.VIEW):
        return Member.objects.none()
    return Member.objects.filter(organisation_id__in=organisation_ids(user), merged_into=None)


def _has(qs: QuerySet[Member], field: str, value: str) -> QuerySet[Member]:
    """Members whose JSON list `field` holds `value` (`contains`, or the JSON text on SQLite)."""
    if connection.features.supports_json_field_contains:
        return qs.filter(**{f"{field}__contains": [value]})
    text = f"_{field}_text"
    return qs.annotate(**{text: Cast(field, TextField())}).filter(
        **{f"{text}__contains": json.dumps(value)}
    )


def _number(r: dict[str, Any], key: str) -> float:
    """A numeric rule value; a clear 400 (not a 500) when it is not a number."""
    from django.core.exceptions import ValidationError

    try:
        value = float(r[key])
    except (TypeError, ValueError) as exc:
        raise ValidationError({key: [_("应为数字")]}) from exc
    if value < 0:
        raise ValidationError({key: [_("不能为负数")]})
    return value


def apply_rules(qs: QuerySet[Member], r: dict[str, Any]) -> QuerySet[Member]:
    """Filter members by segment rules: stage, tag, source, project, owner, silent_days,
    active_within (days), min_purchases and min_amount (元) from purchases (RFM), group, q."""
    if r.get("stage"):
        qs = qs.filter(stage=r["stage"])
    if r.get("tag"):
        qs = _has(qs, "tags", r["tag"])
    if r.get("source"):
        qs = _has(qs, "sources", r["source"])
    if r.get("project"):
        qs = qs.filter(project_id=int(_number(r, "project")))
    if r.get("owner"):
        qs = qs.filter(owner_id=int(_number(r, "owner")))
    if r.get("min_purchases"):
        qs = qs.filter(purchases__gte=int(_number(r, "min_purchases")))
    if r.get("silent_days"):
        cut = timezone.now() - timedelta(days=min(_number(r, "silent_days"), 36500))
        qs = qs.filter(Q(last_active_at__lt=cut) | Q(last_active_at=None))
    if r.get("active_within"):
        days = min(_number(r, "active_within"), 36500)
        qs = qs.filter(last_active_at__gte=timezone.now() - timedelta(days=days))
    if r.get("min_amount"):
        qs = qs.filter(monetary_fen__gte=int(_number(r, "min_amount") * 100))
    if r.get("group"):
        qs = qs.filter(groups__group_id=int(_number(r, "group")), groups__left_at=None)
    if r.get("q"):
        qs = qs.filter(Q(name__icontains=r["q"]) | Q(phone__endswith=r["q"]))
    return qs


def _rate(num: int, den: int) -> dict[str, Any]:
    return {"numerator": num, "denominator": den, "value": round(num / den, 4) if den else None}


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime(nxt.year, nxt.month, 1))


def purchases_in(org: Organisation, start: datetime, end: datetime) -> Counter[int]:
    """Purchases per member in [start, end): purchase events plus the customers' deals."""
    from mediadesk.leads.models import Deal

    counts: Counter[int] = Counter(
        dict(
            Event.objects.filter(organisation=org, kind="purchase", at__gte=start, at__lt=end)
            .values("member")
            .annotate(n=Count("id"))
            .values_list("member", "n")
        )
    )
    deals = (
        Deal.objects.filter(organisation=org, created_at__gte=start, created_at__lt=end)
        .exclude(stage=Deal.Stage.CANCELLED)
        .values("customer")
        .annotate(n=Count("id"))
        .values_list("customer", "n")
    )
    per_customer = dict(deals)
    owners = Member.objects.filter(
        organisation=org, merged_into=None, customer_id__in=list(per_customer)
    ).values_list("customer_id", "pk")
    for customer_id, member_id in owners:
        counts[member_id] += per_customer[customer_id]
    return counts


def figures(org: Organisation, month: date) -> dict[str, Any]:
    """Members, net growth, by stage, 30-day active rate, wake-up rate, 复购率 for a month.

    复购率 = members with ≥ 2 purchases in the month / members with ≥ 1; a purchase is a
    `purchase` event or a lead deal (not cancelled) of the member's customer, as in the lifecycle.
    """
    return figures_between(org, *_month_bounds(month))


def figures_between(org: Organisation, start: datetime, end: datetime) -> dict[str, Any]:
    """The figures of `figures` for any window [start, end) (goals use their own periods)."""
    members = Member.objects.filter(organisation=org, merged_into=None, created_at__lt=end)
    total = members.count()
    by_stage = dict(members.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    active = members.filter(
        last_active_at__gte=min(end, timezone.now()) - timedelta(days=30)
    ).count()
    buys = purchases_in(org, start, end)
    buyers, repeat = len(buys), sum(1 for n in buys.values() if n >= 2)
    targets = WakeUpTarget.objects.filter(  # members a 群发 did not reach are not counted
        plan__organisation=org, entered_at__lt=end, entered_at__gte=start, reached_at__isnull=False
    )
    window = Event.objects.filter(organisation=org, at__gte=start, at__lt=end)
    people = window.values("member").distinct()
    return {
        "members": total,
        "miniprogram": {
            "viewers": people.filter(kind__in=["page_view", "course_view"]).count(),
            "users": people.count(),
            "buyers": people.filter(kind="purchase").count(),
        },
        "community": {
            "joins": window.filter(kind="group_join").count(),
            "activity_attendees": people.filter(kind="activity").count(),
        },
        "net_growth": total - members.filter(created_at__lt=start).count(),
        "by_stage": {s.value: by_stage.get(s.value, 0) for s in STAGE_ORDER},
        "active_rate": _rate(active, total),
        "wake_up_rate": _rate(targets.filter(woken=True).count(), targets.count()),
        "repurchase_rate": _rate(repeat, buyers),
    }


def by_source_and_project(org: Organisation) -> dict[str, list[tuple[str, list[int]]]]:
    """Members per stage for each known source and each project (the funnel's breakdowns)."""
    from mediadesk.private.models import SOURCE_LABELS

    base = Member.objects.filter(organisation=org, merged_into=None)
    order = [s.value for s in STAGE_ORDER]

    def row(qs: QuerySet[Member]) -> list[int]:
        counts = dict(qs.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
        return [counts.get(s, 0) for s in order]

    sources = [
        (str(label), row(_has(base, "sources", code))) for code, label in SOURCE_LABELS.items()
    ]
    projects: dict[str, list[int]] = {}
    grouped = (
        base.exclude(project=None).values_list("project__name", "stage").annotate(n=Count("id"))
    )
    for name, stage, n in grouped:
        projects.setdefault(name, [0] * len(order))[order.index(stage)] = n
    return {"sources": [s for s in sources if any(s[1])], "projects": sorted(projects.items())}


def days_in_stage(org: Organisation, *, limit: int = 200_000) -> dict[str, float | None]:
    """Median days members spent in each stage before moving up (from the stage history of the
    last year; at most `limit` moves are read)."""
    import statistics

    since = timezone.now() - timedelta(days=365)
    rows = (
        StageChange.objects.filter(member__organisation=org, at__gte=since)
        .order_by("member_id", "at", "id")
        .values_list("member_id", "to_stage", "at")[:limit]
    )
    spans: dict[str, list[float]] = {s.value: [] for s in STAGE_ORDER}
    prev: tuple[int, str, datetime] | None = None
    for member_id, stage, at in rows:
        if prev and prev[0] == member_id:
            spans[prev[1]].append((at - prev[2]).total_seconds() / 86400)
        prev = (member_id, stage, at)
    return {k: round(statistics.median(v), 1) if v else None for k, v in spans.items()}
