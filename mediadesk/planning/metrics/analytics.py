"""Providers reading the analytics aggregates (PostMetrics per post, AccountDaily per account)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from mediadesk.analytics.models import AccountDaily, PostMetrics
from mediadesk.matrix.models import Account
from mediadesk.planning.metrics import Metric, Scope, ids, memo, register

SOURCE = _("数据分析：发布当前数据")
ROW_LIMIT = 200


def posts(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[PostMetrics]:
    """The posts of a scope published within the period."""
    qs = PostMetrics.objects.filter(organisation_id=org_id, published_on__range=(start, end))
    filters = {
        "accounts": "account_id__in",
        "platforms": "platform__code__in",
        "series": "series_id__in",
        "projects": "project_id__in",
        "items": "variant__item_id__in",
        "person": "owner_id__in",
    }
    for key, lookup in filters.items():
        if values := ids(scope, key):
            qs = qs.filter(**{lookup: values})
    if campaign := ids(scope, "campaign"):
        qs = qs.filter(variant__item__marketing_node_id__in=campaign)
    return qs


FIGURES = ("exposure", "reads", "interactions", "conversions")


def _accounts_only(scope: Scope) -> list[int] | None:
    """The scope's accounts when the scope names accounts and nothing else."""
    if set(k for k in scope if ids(scope, k)) != {"accounts"}:
        return None
    return [int(a) for a in ids(scope, "accounts")]


def _by_account(org_id: int, start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Post figures summed per account for one period (one grouped query per recompute)."""
    qs = PostMetrics.objects.filter(organisation_id=org_id, published_on__range=(start, end))
    rows: Any = qs.values("account_id").annotate(**{f: Sum(f) for f in FIGURES})
    return {r["account_id"]: {f: r[f] or 0 for f in FIGURES} for r in rows}


def _sums(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> dict[str, int]:
    """Σ of the post figures over the scope and period (shared within a recompute batch)."""
    account_ids = _accounts_only(scope)
    if account_ids is not None:
        grouped = memo(("posts", org_id, start, end), lambda: _by_account(org_id, start, end))
        if grouped is not None:
            parts = [grouped.get(a, {}) for a in account_ids]
            return {f: sum(p.get(f, 0) for p in parts) for f in FIGURES}
    sums = posts(org_id, scope, start, end).aggregate(**{f: Sum(f) for f in FIGURES})
    return {f: sums[f] or 0 for f in FIGURES}


def _sum(field: str) -> Any:
    def actual(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
        return Decimal(_sums(org_id, scope, start, end)[field])

    return actual


def _post_rows(field: str) -> Any:
    def rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        qs = posts(org_id, scope, start, end).select_related("variant__item", "account")
        return [
            {
                "label": f"{m.account.name} · {m.variant.item.title}",
                "date": m.published_on,
                "value": getattr(m, field) or 0,
                "url": f"/content/items/{m.variant.item_id}/",
            }
            for m in qs.order_by(F(field).desc(nulls_last=True))[:ROW_LIMIT]
        ]

    return rows


def interaction_rate(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal | None:
    """互动率 (%) = Σ互动量 / Σ曝光量(无曝光时用阅读/播放) × 100 over the posts in scope."""
    sums = _sums(org_id, scope, start, end)
    base = sums["exposure"] or sums["reads"]
    if not base:
        return None
    return (Decimal(sums["interactions"]) * 100 / Decimal(base)).quantize(Decimal("0.0001"))


def accounts(org_id: int, scope: Scope) -> QuerySet[Account]:
    """The accounts of a scope (by account, platform or project)."""
    qs = Account.objects.filter(organisation_id=org_id)
    if values := ids(scope, "accounts"):
        qs = qs.filter(pk__in=values)
    if values := ids(scope, "platforms"):
        qs = qs.filter(platform__code__in=values)
    if values := ids(scope, "projects"):
        qs = qs.filter(project_id__in=values)
    return qs


def _daily(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[AccountDaily]:
    return AccountDaily.objects.filter(
        account__in=accounts(org_id, scope), date__range=(start, end)
    )


def net_followers(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """净增粉 = Σ(新增关注 − 取消关注) of the accounts in scope over the period."""
    account_ids = _accounts_only(scope)
    if account_ids is not None:
        grouped = memo(("daily", org_id, start, end), lambda: _net_by_account(org_id, start, end))
        if grouped is not None:
            return Decimal(sum(grouped.get(a, 0) for a in account_ids))
    sums = _daily(org_id, scope, start, end).aggregate(
        n=Sum("new_followers"), c=Sum("cancelled_followers")
    )
    return Decimal((sums["n"] or 0) - (sums["c"] or 0))


def _net_by_account(org_id: int, start: dt.date, end: dt.date) -> dict[int, int]:
    qs = AccountDaily.objects.filter(organisation_id=org_id, date__range=(start, end))
    rows = qs.values("account_id").annotate(n=Sum("new_followers"), c=Sum("cancelled_followers"))
    return {r["account_id"]: (r["n"] or 0) - (r["c"] or 0) for r in rows}


def follower_rows(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    qs = _daily(org_id, scope, start, end).select_related("account").order_by("-date")
    return [
        {
            "label": d.account.name,
            "date": d.date,
            "value": (d.new_followers or 0) - (d.cancelled_followers or 0),
            "url": f"/matrix/accounts/{d.account_id}/",
        }
        for d in qs[:ROW_LIMIT]
    ]


HIT_READS = 1_000_000  # 爆款: a post with ≥ 1,000,000 阅读/播放


def hits(org_id: int, scope: Scope, start: dt.date, end: dt.date) -> Decimal:
    """爆款数: posts in scope over the threshold of 阅读/播放."""
    return Decimal(posts(org_id, scope, start, end).filter(reads__gte=HIT_READS).count())


def _post_metric(code: str, label: Any, field: str) -> Metric:
    return Metric(code, label, SOURCE, _("次"), _sum(field), _post_rows(field))


register(
    _post_metric("exposure", _("曝光量"), "exposure"),
    _post_metric("reads", _("阅读/播放"), "reads"),
    _post_metric("interactions", _("互动量"), "interactions"),
    _post_metric("conversions", _("转化量"), "conversions"),
    Metric("hits", _("爆款数(≥100万播放)"), SOURCE, _("篇"), hits, _post_rows("reads")),
    Metric(
        "interaction_rate",
        _("互动率"),
        SOURCE,
        "%",
        interaction_rate,
        _post_rows("interactions"),
        kind="level",
    ),
    Metric(
        "net_followers",
        _("净增粉"),
        _("数据分析：账号每日粉丝数据"),
        _("人"),
        net_followers,
        follower_rows,
        scopes=("accounts", "platforms", "projects"),
    ),
)
