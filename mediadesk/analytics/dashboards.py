"""Reads of the account page and the competitor comparison (bounded to one account or to the
period; the heatmap reads the account's own 24 h snapshots, found by post)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from mediadesk.analytics import queries, rules
from mediadesk.analytics.models import (
    AccountDaily,
    BenchmarkAccount,
    BenchmarkFigure,
    MetricSnapshot,
    PostMetrics,
)
from mediadesk.content.models import Series
from mediadesk.matrix.models import Account

HEATMAP_DAYS = 180
HEATMAP_HOURS = (18, 30)  # snapshots taken 18–30 h after publishing count as "24 h"
TOP = 5


def account_page(account: Account, f: queries.Filters) -> dict[str, Any]:
    """Everything the account page shows, as template context."""
    posts = PostMetrics.objects.filter(
        account=account, published_on__gte=f.start, published_on__lte=f.end
    ).select_related("variant")
    ranked = sorted(
        (p for p in posts if p.eval_exposure),
        key=lambda p: rules.Ratio(p.eval_interactions, p.eval_exposure).value or Decimal(0),
        reverse=True,
    )
    return {
        "charts": {
            "followers": _followers(account, f),
            "frequency": _frequency(account, posts, f),
            "heatmap": heatmap(account, f.end),
        },
        "top": [_post(p) for p in ranked[:TOP]],
        "bottom": [_post(p) for p in ranked[-TOP:][::-1]] if len(ranked) > TOP else [],
    }


def _post(p: PostMetrics) -> dict[str, Any]:
    return {
        "title": p.variant.title,
        "date": p.published_on,
        "exposure": p.eval_exposure,
        "interactions": p.eval_interactions,
        "rate": rules.Ratio(p.eval_interactions, p.eval_exposure),
    }


def _followers(account: Account, f: queries.Filters) -> dict[str, list[Any]]:
    rows = AccountDaily.objects.filter(account=account, date__gte=f.start, date__lte=f.end)
    out: dict[str, list[Any]] = {"dates": [], "followers": [], "net_gain": []}
    for r in rows.order_by("date"):
        out["dates"].append(r.date.isoformat())
        out["followers"].append(r.followers)
        out["net_gain"].append(r.net_gain)
    return out


def _frequency(
    account: Account, posts: QuerySet[PostMetrics], f: queries.Filters
) -> dict[str, Any]:
    """Posts per ISO week against the weekly quota of the account's series."""
    quota = (
        Series.objects.filter(account=account, is_active=True).aggregate(q=Sum("weekly_quota"))["q"]
        or 0
    )
    weeks: dict[str, int] = defaultdict(int)
    day = f.start - dt.timedelta(days=f.start.weekday())
    while day <= f.end:
        weeks[day.isoformat()] = 0
        day += dt.timedelta(days=7)
    for p in posts.values("published_on").annotate(n=Count("pk")).order_by():
        day_ = p["published_on"]
        if day_ is None:
            continue
        monday = day_ - dt.timedelta(days=day_.weekday())
        weeks[monday.isoformat()] += p["n"]
    return {"weeks": list(weeks), "posts": list(weeks.values()), "quota": quota}


def heatmap(account: Account, end: dt.date) -> list[list[float]]:
    """[hour, weekday, mean 互动率 %] cells from the account's own posts' 24 h figures."""
    since = timezone.make_aware(
        dt.datetime.combine(end - dt.timedelta(days=HEATMAP_DAYS), dt.time())
    )
    snaps = MetricSnapshot.objects.filter(
        variant__account=account,
        variant__published_at__gte=since,
        hours_after_publish__gte=HEATMAP_HOURS[0],
        hours_after_publish__lte=HEATMAP_HOURS[1],
    ).values_list("variant__published_at", "impressions", "reads", "likes", "comments", "shares")
    cells: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for published, impressions, reads, likes, comments, shares in snaps:
        figures = rules.Figures(
            impressions=impressions, reads=reads, likes=likes, comments=comments, shares=shares
        )
        value = rules.interaction_rate(figures).value
        if value is not None:
            local = timezone.localtime(published)
            cells[local.hour, local.weekday()].append(value)
    return [[h, d, round(float(sum(v) / len(v) * 100), 2)] for (h, d), v in sorted(cells.items())]


def benchmark_comparison(
    user: Any, f: queries.Filters, benchmarks: QuerySet[BenchmarkAccount]
) -> list[dict[str, Any]]:
    """Competitors and own accounts of the same platforms: followers, posts, interactions."""
    rows = [_bench_row(b, f) for b in benchmarks.select_related("platform")]
    platforms = {b.platform_id for b in benchmarks}
    own = (
        queries.daily(user, f)
        .filter(platform_id__in=platforms)
        .values("account_id", "account__name", "platform__name")
        .annotate(posts=Sum("posts"), interactions=Sum("interactions"))
        .order_by("-interactions")[:10]
    )
    followers = _last_followers([r["account_id"] for r in own], f)
    for r in own:
        rows.append(
            {
                "name": r["account__name"],
                "platform": r["platform__name"],
                "own": True,
                "followers": followers.get(r["account_id"]),
                "posts": r["posts"],
                "interactions": r["interactions"],
                "per_post": r["interactions"] // r["posts"] if r["posts"] else None,
            }
        )
    return sorted(rows, key=lambda r: (r["platform"], -(r["interactions"] or 0)))


def _bench_row(b: BenchmarkAccount, f: queries.Filters) -> dict[str, Any]:
    figures = BenchmarkFigure.objects.filter(benchmark=b, date__gte=f.start, date__lte=f.end)
    s = figures.aggregate(posts=Sum("posts"), interactions=Sum("interactions"))
    last = figures.filter(followers__isnull=False).order_by("-date").first()
    return {
        "name": f"{b.name}（{b.owner_name or gettext('竞品')}）",
        "platform": b.platform.name,
        "own": False,
        "followers": last.followers if last else None,
        "posts": s["posts"],
        "interactions": s["interactions"],
        "per_post": s["interactions"] // s["posts"]
        if s["posts"] and s["interactions"] is not None
        else None,
    }


def _last_followers(account_ids: list[int], f: queries.Filters) -> dict[int, int]:
    out: dict[int, int] = {}
    rows = AccountDaily.objects.filter(
        account_id__in=account_ids, date__lte=f.end, followers__isnull=False
    ).order_by("date")
    for account_id, followers in rows.values_list("account_id", "followers"):
        out[account_id] = followers
    return out
