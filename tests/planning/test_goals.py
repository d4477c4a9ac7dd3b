"""Goals over the metric catalogue: the spec's examples, incremental progress, bad input, API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from mediadesk.analytics.models import AccountDaily
from mediadesk.planning import services
from mediadesk.planning.models import Goal, KeyResult, ManualValue
from tests.analytics.conftest import DY_ID, Posts, at, ingest, make_account, make_post
from tests.conftest import World, audit_actions

pytestmark = pytest.mark.django_db
API = "/api/v1/goals"


def goal_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "3天内通过公众号推文+微博话题，使新品曝光量达50万+",
        "level": "team", "start": "2024-05-01", "end": "2024-05-03",
        "key_results": [{"metric": "exposure", "target": 500000,
                         "scope": {"platforms": ["wechat_mp", "weibo"]}}],
        "top_level_reason": "新品上市",
    }  # fmt: skip
    body.update(overrides)
    return body


def test_the_002_example_450k_of_500k_is_90_percent_missed(
    world: World, posts: Posts, api: Any
) -> None:
    weibo = make_account(world, "weibo", "锦程微博", world.qujiang, world.operator)
    wb_post = make_post(weibo, "新品话题", owner=world.planner)
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(48), "reads": 300_000},
    )
    ingest(
        world.operator, "weibo", {"variant": wb_post.pk, "taken_at": at(48), "impressions": 150_000}
    )
    response = api(world.manager).post(API, goal_body(), content_type="application/json")
    assert response.status_code == 201, response.json()
    kr = response.json()["key_results"][0]
    assert kr["actual"] == 450_000
    assert kr["rate"] == {"numerator": 450_000, "denominator": 500_000, "value": 0.9}
    assert kr["status"] == "missed" and kr["projected"] == 450_000
    goal = Goal.objects.get()
    assert goal.status == "missed" and audit_actions("goal", goal.pk) == ["goal.create"]


def test_douyin_followers_and_interaction_rate_follow_imports(
    world: World, posts: Posts, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scope = {"accounts": [posts.douyin.pk]}
    goal = services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "1个月内抖音账号粉丝增长2万，互动率提升至5%", "level": "account",
        "start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31), "owner": world.operator,
        "top_level_reason": "演示", "key_results": [
            {"metric": "net_followers", "target": 20000, "scope": scope},
            {"metric": "interaction_rate", "target": 5, "scope": scope}],
    })  # fmt: skip
    AccountDaily.objects.create(account=posts.douyin, organisation=world.org, date=dt.date(2024, 5, 2),
                                new_followers=12_000, cancelled_followers=2_000)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            world.operator,
            "douyin",
            {"external_id": DY_ID, "taken_at": at(24), "reads": 100_000, "likes": 4_600},
        )
    followers, rate = KeyResult.objects.filter(goal=goal).order_by("id")
    assert followers.actual == Decimal(10_000) and followers.rate == Decimal("0.5")
    assert rate.actual == Decimal("4.6") and rate.rate == Decimal("0.92")
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            world.operator,
            "douyin",
            {"external_id": DY_ID, "taken_at": at(72), "reads": 100_000, "likes": 5_500},
        )
    rate.refresh_from_db()
    assert rate.actual == Decimal("5.5") and rate.status == "exceeded"
    assert audit_actions("goal", goal.pk) == ["goal.create"]  # nobody edited the goal


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key_results": [{"metric": "nope", "target": 1}]}, "key_results[0].metric"),
        ({"end": "2024-04-01"}, "end"),
        (
            {
                "key_results": [
                    {"metric": "exposure", "target": 1, "scope": {"projects": ["TIANFU"]}}
                ]
            },
            "key_results[0].scope",
        ),
    ],
)
def test_bad_goal_input_is_refused_and_nothing_is_written(
    world: World, api: Any, change: dict[str, Any], field: str
) -> None:
    body = goal_body(**change)
    if "scope" in str(change):
        body["key_results"][0]["scope"] = {"projects": [world.tianfu.pk]}
    response = api(world.planner).post(API, body, content_type="application/json")
    assert response.status_code in (400, 403)
    if response.status_code == 400:
        assert field in {e["field"] for e in response.json()["errors"]}
    assert not Goal.objects.exists() and not KeyResult.objects.exists()


def test_a_planner_may_not_set_a_scope_outside_theirs(world: World, api: Any) -> None:
    from mediadesk.core import scopes
    from mediadesk.planning import access

    world.planner.__dict__.pop("_grants", None)
    assert access.scope_problems(world.planner, world.org.pk, {"projects": [world.tianfu.pk]})
    assert not access.scope_problems(world.planner, world.org.pk, {"projects": [world.qujiang.pk]})
    assert scopes.has_perm(world.planner, "planning.view")


def test_manual_values_go_to_manual_metrics_only(world: World, api: Any) -> None:
    client = api(world.manager)
    body = goal_body(key_results=[{"metric": "satisfaction", "target": 20}, {"metric": "exposure", "target": 10}],
                     start="2024-01-01", end="2024-03-31")  # fmt: skip
    goal = client.post(API, body, content_type="application/json").json()
    manual, computed = (kr["id"] for kr in goal["key_results"])
    url = f"{API}/{goal['id']}/manual-values"
    refused = client.post(
        url,
        {"key_result": computed, "value": 5, "at": "2024-02-01"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "自动计算" in refused.json()["errors"][0]["message"]
    assert not ManualValue.objects.exists()
    ok = client.post(url, {"key_result": manual, "value": 16, "at": "2024-02-01",
                           "evidence_url": "https://example.invalid/s.pdf"}, content_type="application/json")  # fmt: skip
    assert ok.status_code == 201
    kr = ok.json()["key_results"][0]
    assert kr["actual"] == 16 and kr["rate"]["value"] == 0.8
    assert audit_actions("goal", goal["id"]) == ["goal.create", "goal.manual_value"]


def test_patch_refuses_end_before_start_and_audits_changes(world: World, api: Any) -> None:
    client = api(world.manager)
    goal = client.post(API, goal_body(), content_type="application/json").json()
    bad = client.patch(
        f"{API}/{goal['id']}", {"end": "2024-04-01"}, content_type="application/json"
    )
    assert bad.status_code == 400
    ok = client.patch(f"{API}/{goal['id']}", {"name": "新名称"}, content_type="application/json")
    assert ok.status_code == 200 and Goal.objects.get().name == "新名称"
    assert audit_actions("goal", goal["id"]) == ["goal.create", "goal.update"]


def test_metrics_catalogue_lists_the_required_codes(world: World, api: Any) -> None:
    response = api(world.planner).get(f"{API}/metrics")
    codes = {m["code"]: m for m in response.json()}
    for code in ("exposure", "interactions", "interaction_rate", "net_followers", "conversions",
                 "leads", "visits", "deals", "live_sessions", "manual"):  # fmt: skip
        assert code in codes and codes[code]["source"]
    assert codes["live_sessions"]["computed"] is True and "直播" in codes["live_sessions"]["source"]


def test_goal_api_access(world: World, api: Any, client: Any) -> None:
    goal = api(world.manager).post(API, goal_body(), content_type="application/json").json()
    assert client.get(API).status_code == 401
    assert api(world.outsider).get(f"{API}/{goal['id']}").status_code == 404
    assert (
        api(world.planner).post(API, goal_body(), content_type="application/json").status_code
        == 403
    )
    assert api(world.planner).get(f"{API}/{goal['id']}").status_code == 200
    assert api(world.planner).get(API).json()["count"] == 1


def test_smart_warnings_show_the_figures(world: World, posts: Posts) -> None:
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(48), "reads": 1_000},
    )
    goal = services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "无上级", "level": "team", "start": dt.date(2024, 5, 4), "end": dt.date(2024, 5, 6),
        "owner": world.manager, "key_results": [
            {"metric": "exposure", "target": 100_000, "scope": {"platforms": ["wechat_mp"]}},
            {"metric": "live_sessions", "target": 12}],
    })  # fmt: skip
    text = " ".join(goal.warnings)
    assert "相关性" in text and "具体" in text and "1000" in text and "100000" in text
