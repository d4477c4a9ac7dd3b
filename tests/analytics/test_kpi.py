"""KPIs from stored data: template 3's two rows, the 72 h snapshot, followers at publish."""

from __future__ import annotations

import datetime as dt

from mediadesk.analytics import rules
from mediadesk.analytics.models import AccountDaily, AnalyticsSettings, PostMetrics
from mediadesk.analytics.services import update_settings
from tests.analytics.conftest import DY_ID, Posts, at, ingest
from tests.conftest import World, audit_actions


def kpis(metrics: PostMetrics) -> rules.PostKpis:
    """Template 3's figures of a post, as the monitoring table computes them."""
    snap = metrics.evaluation
    assert snap is not None
    item = metrics.variant.item
    targets = rules.Targets(item.target_exposure, item.target_interactions, item.target_conversions)
    policy = AnalyticsSettings.of(metrics.organisation_id).policy()
    return rules.evaluate(
        snap.figures(), targets, followers=metrics.followers_at_publish, policy=policy
    )


def test_template_3_rows_entered_as_data(world: World, posts: Posts) -> None:
    ingest(world.operator, "wechat_mp", {"url": posts.wx_post.published_url, "taken_at": at(72),
           "impressions": 280_000, "likes": 3_000, "comments": 1_200, "shares": 4_000})  # fmt: skip
    ingest(world.operator, "douyin", {"external_id": DY_ID, "taken_at": at(72), "impressions": 550_000,
           "likes": 25_000, "comments": 3_000, "shares": 4_000, "conv_leads": 2_200})  # fmt: skip

    wx = kpis(PostMetrics.objects.get(variant=posts.wx_post))
    dy = kpis(PostMetrics.objects.get(variant=posts.dy_post))

    assert (wx.exposure, wx.interactions, wx.interaction_rate.percent(), wx.status.label) == (
        280_000,
        8_200,
        "2.9%",
        "未达标",
    )
    assert (dy.exposure, dy.interactions, dy.conversions) == (550_000, 32_000, 2_200)
    assert (dy.interaction_rate.percent(), dy.status.label) == ("5.8%", "超额达标")


def test_the_evaluation_snapshot_is_the_one_closest_to_72_hours(world: World, posts: Posts) -> None:
    ingest(world.operator, "douyin",
           *({"external_id": DY_ID, "taken_at": at(h), "reads": h * 1000} for h in (1, 24, 70, 168)))  # fmt: skip
    metrics = PostMetrics.objects.get(variant=posts.dy_post)
    assert (metrics.evaluation_hours, metrics.eval_exposure) == (70, 70_000)
    assert (metrics.latest_taken_at, metrics.reads, metrics.snapshots) == (at(168), 168_000, 4)


def test_changing_the_evaluation_hour_rebuilds_the_figures(world: World, posts: Posts) -> None:
    ingest(world.operator, "douyin",
           *({"external_id": DY_ID, "taken_at": at(h), "likes": h, "favourites": 100} for h in (24, 72)))  # fmt: skip
    settings = update_settings(world.org, by=world.manager,
                               values={"evaluation_hours": 24, "count_favourites": True})  # fmt: skip
    metrics = PostMetrics.objects.get(variant=posts.dy_post)
    assert (metrics.evaluation_hours, metrics.eval_interactions, metrics.interactions) == (
        24,
        124,
        172,
    )
    assert audit_actions("analytics_settings", settings.pk) == ["metrics.settings"]


def test_followers_at_publish_come_from_the_last_daily_figure_before_it(
    world: World, posts: Posts
) -> None:
    day = dt.date(2024, 4, 30)
    for offset, followers in ((-1, 61_000), (0, 62_000), (2, 99_000)):
        AccountDaily.objects.create(account=posts.douyin, organisation=world.org,
                                    date=day + dt.timedelta(days=offset), followers=followers)  # fmt: skip
    ingest(world.operator, "douyin", {"external_id": DY_ID, "taken_at": at(24), "likes": 620})
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(24), "likes": 5},
    )
    dy = PostMetrics.objects.get(variant=posts.dy_post)
    assert dy.followers_at_publish == 62_000
    assert kpis(dy).follower_interaction_rate.percent() == "1.0%"
    assert (
        PostMetrics.objects.get(variant=posts.wx_post).followers_at_publish == 50_000
    )  # Account.followers


def test_account_daily_net_gain_is_new_minus_cancelled(world: World, posts: Posts) -> None:
    from mediadesk.analytics.services import record_account_daily

    row = record_account_daily(posts.wechat, by=world.operator, date=dt.date(2024, 5, 1),
                               values={"new_followers": 320, "cancelled_followers": 45})  # fmt: skip
    assert row.net_gain == 275
