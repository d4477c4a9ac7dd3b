"""Aggregates: maintained incrementally in the writing transaction, equal to a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mediadesk.analytics.aggregates import rebuild_aggregates
from mediadesk.analytics.models import DailyTotals, OwnerTotals, PostMetrics, SeriesTotals
from mediadesk.content.models import Series
from tests.analytics.conftest import DY_ID, PUBLISHED, Posts, at, ingest, make_post
from tests.conftest import World


def state() -> dict[str, Any]:
    def rows(model: Any, *order: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in r.items() if k != "id"}
            for r in model.objects.order_by(*order).values()
        ]

    return {
        "posts": rows(PostMetrics, "variant_id"),
        "daily": rows(DailyTotals, "account_id", "date"),
        "series": rows(SeriesTotals, "series_id"),
        "owners": rows(OwnerTotals, "owner_id"),
    }


def test_incremental_aggregates_equal_a_rebuild(world: World, posts: Posts) -> None:
    series = Series.objects.create(organisation=world.org, name="美好西安", account=posts.douyin)
    posts.dy_post.series = series
    posts.dy_post.save()
    second = make_post(posts.douyin, "周末探盘", owner=world.operator, external_id="42",
                       when=at(30), series=series)  # fmt: skip
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(24), "reads": 1000, "likes": 10, "comments": 2},
           {"external_id": "42", "taken_at": at(48), "impressions": 900, "likes": 5, "conv_leads": 3})  # fmt: skip
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(72), "reads": 5000, "likes": 40, "shares": 7},  # newer
           {"external_id": "42", "taken_at": at(48), "impressions": 950, "likes": 6})  # a correction  # fmt: skip
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(72), "reads": 800},
    )
    ingest(
        world.operator_cd, "douyin", {"variant": posts.cd_post.pk, "taken_at": at(10), "likes": 1}
    )

    incremental = state()
    assert rebuild_aggregates() == 4
    assert state() == incremental

    totals = SeriesTotals.objects.get(series=series)
    assert (totals.posts, totals.likes, totals.interactions, totals.conversions) == (2, 46, 53, 3)
    day = DailyTotals.objects.get(account=posts.douyin, date=PUBLISHED.date())
    assert (day.posts, day.exposure) == (1, 5000)
    assert second.pk in set(PostMetrics.objects.values_list("variant_id", flat=True))
    assert OwnerTotals.objects.get(owner=world.operator).posts == 2


def test_rebuild_for_one_organisation_leaves_the_others(world: World, posts: Posts) -> None:
    ingest(world.operator, "douyin", {"external_id": DY_ID, "taken_at": at(24), "likes": 10})
    before = state()
    assert rebuild_aggregates(world.other_org.pk) == 0
    assert state() == before


def test_snapshots_arriving_out_of_order_or_at_equal_hours_equal_a_rebuild(
    world: World, posts: Posts
) -> None:
    make_post(posts.douyin, "周末探盘", owner=world.operator, external_id="42", when=at(30))
    ingest(world.operator, "douyin", {"external_id": DY_ID, "taken_at": at(72), "likes": 50})
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(24), "likes": 20},  # older than the latest
           {"external_id": "42", "taken_at": at(70), "likes": 3})  # fmt: skip
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(72) + dt.timedelta(minutes=30), "likes": 60},  # same hour as the evaluation
           {"external_id": DY_ID, "taken_at": at(200), "likes": 90})  # fmt: skip
    incremental = state()
    metrics = PostMetrics.objects.get(variant=posts.dy_post)
    assert (metrics.snapshots, metrics.likes, metrics.evaluation_hours) == (4, 90, 72)
    rebuild_aggregates()
    assert state() == incremental


def test_appended_snapshots_passed_through_equal_a_rebuild(world: World, posts: Posts) -> None:
    """An import that only appends snapshots hands its parsed figures (rates, seconds, several
    snapshots of one post) to the aggregates instead of reading them back: same result."""
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(24), "reads": 1000, "completion_rate": "31.5%"})  # fmt: skip
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(48), "reads": 3000, "likes": 9,
            "completion_rate": "33.25%", "avg_play_seconds": "17.5"},
           {"external_id": DY_ID, "taken_at": at(96), "reads": 4000, "likes": 12,
            "completion_rate": "0.4", "avg_play_seconds": "1:05"})  # fmt: skip
    incremental = state()
    post = PostMetrics.objects.get(variant=posts.dy_post)
    assert (post.snapshots, post.reads, post.likes) == (3, 4000, 12)
    rebuild_aggregates()
    assert state() == incremental
