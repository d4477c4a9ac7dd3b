"""POST /api/v1/metrics/snapshots: validation (4xx, nothing written), permissions, idempotency."""

from __future__ import annotations

from typing import Any

from mediadesk.analytics.models import ImportBatch, MetricSnapshot, PostMetrics
from mediadesk.content.models import Variant
from tests.analytics.conftest import DY_ID, Posts
from tests.conftest import World, audit_actions

URL = "/api/v1/metrics/snapshots"
TAKEN = "2024-05-04T20:00:00+08:00"


def body(**item: Any) -> dict[str, Any]:
    return {"platform": "douyin", "items": [{"external_id": DY_ID, "taken_at": TAKEN, **item}]}


def post(client: Any, data: Any) -> Any:
    return client.post(URL, data, content_type="application/json")


def test_it_ingests_snapshots_and_updates_the_aggregates(
    world: World, posts: Posts, api: Any
) -> None:
    response = post(api(world.operator), body(impressions=550_000, likes=25_000, comments=3_000,
                                              shares=4_000, conv_leads=2_200, completion_rate="0.31"))  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    snap = MetricSnapshot.objects.get()
    assert (snap.variant, snap.hours_after_publish, snap.source) == (posts.dy_post, 72, "api")
    metrics = PostMetrics.objects.get(variant=posts.dy_post)
    assert (metrics.eval_exposure, metrics.eval_interactions, metrics.eval_conversions) == (
        550_000,
        32_000,
        2_200,
    )
    batch = ImportBatch.objects.get()
    assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]


def test_the_same_payload_twice_changes_nothing(world: World, posts: Posts, api: Any) -> None:
    client = api(world.operator)
    post(client, body(likes=10))
    again = post(client, body(likes=10))
    assert again.json()["unchanged"] == 1 and again.json()["created"] == 0
    changed = post(client, body(likes=12))
    assert changed.json()["updated"] == 1
    assert MetricSnapshot.objects.get().likes == 12


def test_an_unmatched_item_becomes_an_unplanned_post(world: World, posts: Posts, api: Any) -> None:
    data = {"platform": "douyin", "account": posts.douyin.pk, "items": [
        {"external_id": "999", "title": "直播切片", "published_at": "2024-05-02T19:00:00+08:00", "likes": 5}]}  # fmt: skip
    assert post(api(world.operator), data).json()["unplanned"] == 1
    variant = Variant.objects.get(external_id="999")
    assert variant.item.is_unplanned and variant.account == posts.douyin


def test_one_bad_item_rejects_the_whole_request(world: World, posts: Posts, api: Any) -> None:
    data = body(likes=1)
    data["items"].append({"variant": 999_999, "likes": 3})
    response = post(api(world.operator), data)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "items.1.variant", "message": "找不到已发布的抖音发布 #999999"}
    ]
    assert not MetricSnapshot.objects.exists() and not ImportBatch.objects.exists()


def test_schema_errors_are_422_with_chinese_messages(world: World, posts: Posts, api: Any) -> None:
    client = api(world.operator)
    response = post(client, body(likes=-1))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items.0.likes"
    assert post(client, body(completion_rate=2)).status_code == 422
    assert post(client, body(bogus=1)).status_code == 422
    assert post(client, {"platform": "douyin", "items": []}).status_code == 422
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    assert post(client, {**body(likes=1), "platform": "myspace"}).status_code == 400
    assert not MetricSnapshot.objects.exists()


def test_an_item_without_figures_or_identity_is_named(world: World, posts: Posts, api: Any) -> None:
    response = post(
        api(world.operator), {"platform": "douyin", "items": [{"likes": 1}, {"external_id": DY_ID}]}
    )
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["items.0.title", "items.1"]


def test_posts_outside_the_callers_scope_are_refused(world: World, posts: Posts, api: Any) -> None:
    response = post(
        api(world.operator),
        {"platform": "douyin", "items": [{"variant": posts.cd_post.pk, "likes": 1}]},
    )
    assert response.status_code == 400
    assert "没有该发布所在账号的导入权限" in response.json()["errors"][0]["message"]
    assert not MetricSnapshot.objects.exists()


def test_only_importers_may_ingest(world: World, posts: Posts, api: Any, client: Any) -> None:
    assert post(client, body(likes=1)).status_code == 401
    assert post(api(world.sales_a), body(likes=1)).status_code == 403
    assert post(api(world.planner), body(likes=1)).status_code == 403
    assert (
        post(api(world.outsider), body(likes=1)).status_code == 400
    )  # another org's post: unknown
    assert not MetricSnapshot.objects.exists()
