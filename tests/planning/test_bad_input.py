"""Bad input is refused with a clear message and nothing is written (rows and audit), on the
page and through the API alike: an unknown metric, a scope outside the user's scopes, an end
before the start, a manual value on a computed metric, an edit of a signed scorecard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account, Platform
from mediadesk.planning import scorecards, services
from mediadesk.planning.models import Goal, KeyResult, ManualValue, Scorecard, ScorecardAdjustment
from tests.conftest import World

pytestmark = pytest.mark.django_db
API = "/api/v1/goals"


def api_body(**kr: Any) -> dict[str, Any]:
    return {"name": "五月曝光", "level": "team", "start": "2024-05-01", "end": "2024-05-31",
            "top_level_reason": "测试", "key_results": [{"metric": "exposure", "target": 1000, **kr}]}  # fmt: skip


def page_body(**kr: Any) -> dict[str, Any]:
    body = {"name": "五月曝光", "level": "team", "start": "2024-05-01", "end": "2024-05-31",
            "top_level_reason": "测试", "rows": "3", "kr-0-metric": "exposure", "kr-0-target": "1000"}  # fmt: skip
    body.update({f"kr-0-{k}": v for k, v in kr.items()})
    return body


def planning_audit() -> list[int]:
    """The audit entries of planning records (API tokens made by the fixture are left out)."""
    kinds = ("goal", "key_result", "manual_value", "scorecard", "scorecard_adjustment")
    return list(AuditEntry.objects.filter(target_type__in=kinds).values_list("id", flat=True))


def nothing_written() -> None:
    assert not Goal.objects.exists() and not KeyResult.objects.exists()
    assert not AuditEntry.objects.filter(target_type="goal").exists()


@pytest.fixture
def chengdu_account(world: World) -> Account:
    return Account.objects.create(organisation=world.org, company=world.chengdu,
                                  project=world.tianfu, platform=Platform.objects.get(code="douyin"),
                                  name="锦程天府抖音", level=2)  # fmt: skip


CASES = [
    ("unknown metric", {"metric": "nope"}, "key_results[0].metric", "未知指标"),
    ("project outside", "tianfu", "key_results[0].scope", "项目超出您的权限范围"),
    ("account outside", "chengdu_account", "key_results[0].scope", "账号超出您的权限范围"),
    ("scope the metric cannot use", {"metric": "private_members", "scope": {"accounts": [1]}},
     "key_results[0].scope", "不能按账号限定范围"),
    ("malformed ids", {"scope": {"projects": ["TIANFU"]}}, "key_results[0].scope", "应为编号"),
    ("unknown scope key", {"scope": {"city": ["西安"]}}, "key_results[0].scope", "未知范围"),
    ("zero target", {"target": 0}, "key_results[0].target", "目标值须大于 0"),
]  # fmt: skip


def _kr(world: World, request: Any, change: Any) -> dict[str, Any]:
    if change == "tianfu":
        return {"scope": {"projects": [world.tianfu.pk]}}
    if change == "chengdu_account":
        return {"scope": {"accounts": [request.getfixturevalue("chengdu_account").pk]}}
    return dict(change)


@pytest.mark.parametrize(("name", "change", "field", "text"), CASES, ids=[c[0] for c in CASES])
def test_api_refuses_bad_key_results(
    world: World, api: Any, request: Any, name: str, change: Any, field: str, text: str
) -> None:
    response = api(world.manager_xa).post(
        API, api_body(**_kr(world, request, change)), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and text in e["message"] for e in errors), errors
    nothing_written()


PAGE_CASES = [c for c in CASES if c[0] != "unknown scope key"]  # the form names its fields


@pytest.mark.parametrize(
    ("name", "change", "field", "text"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES]
)
def test_page_refuses_bad_key_results_and_keeps_the_input(
    world: World, login: Any, request: Any, name: str, change: Any, field: str, text: str
) -> None:
    kr = _kr(world, request, change)
    body = page_body(**{k: v for k, v in kr.items() if k != "scope"})
    for key, values in (kr.get("scope") or {}).items():
        body[f"kr-0-{key}"] = values
    response = login(world.manager_xa).post(reverse("planning:goal_new"), body)
    assert response.status_code == 400
    html = response.content.decode()
    assert text in html and "关键结果 1" in html and 'value="五月曝光"' in html
    nothing_written()


def test_end_before_start_is_refused_on_create_and_patch(
    world: World, api: Any, login: Any
) -> None:
    bad = api(world.manager).post(API, {**api_body(), "end": "2024-04-01"},
                                  content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "end"
    page = login(world.manager).post(
        reverse("planning:goal_new"), {**page_body(), "end": "2024-04-01"}
    )
    assert page.status_code == 400 and "结束日期早于开始日期" in page.content.decode()
    nothing_written()
    ok = api(world.manager).post(API, api_body(), content_type="application/json").json()
    before = planning_audit()
    patch = api(world.manager).patch(f"{API}/{ok['id']}", {"end": "2024-04-01"},
                                     content_type="application/json")  # fmt: skip
    assert (
        patch.status_code == 400 and "结束日期早于开始日期" in patch.json()["errors"][0]["message"]
    )
    assert str(Goal.objects.get().end) == "2024-05-31"
    assert planning_audit() == before


def _goal_with_manual(world: World) -> Goal:
    return services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "满意度", "level": "company", "start": dt.date(2024, 1, 1),
        "end": dt.date(2024, 3, 31), "owner": world.manager,
        "top_level_reason": "季度", "key_results": [{"metric": "satisfaction", "target": 20},
                                                   {"metric": "exposure", "target": 100}],
    })  # fmt: skip


def test_a_manual_value_on_a_computed_metric_is_refused_on_page_and_api(
    world: World, api: Any, login: Any
) -> None:
    goal = _goal_with_manual(world)
    manual, computed = KeyResult.objects.filter(goal=goal).order_by("id")
    audit_before = planning_audit()
    response = api(world.manager).post(f"{API}/{goal.pk}/manual-values",
                                       {"key_result": computed.pk, "value": 5, "at": "2024-02-01"},
                                       content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "自动计算" in response.json()["errors"][0]["message"]
    page = login(world.manager).post(reverse("planning:manual_value", args=[goal.pk]),
                                     {"key_result": computed.pk, "value": "5", "at": "2024-02-01"})  # fmt: skip
    assert page.status_code == 400 and "不能手工录入" in page.content.decode()
    outside = login(world.manager).post(reverse("planning:manual_value", args=[goal.pk]),
                                        {"key_result": manual.pk, "value": "5", "at": "2025-02-01"})  # fmt: skip
    assert outside.status_code == 400 and "周期内" in outside.content.decode()
    assert not ManualValue.objects.exists() and planning_audit() == audit_before
    ok = login(world.manager).post(reverse("planning:manual_value", args=[goal.pk]),
                                   {"key_result": manual.pk, "value": "16", "at": "2024-02-01",
                                    "evidence_url": "https://example.invalid/survey.pdf"})  # fmt: skip
    assert ok.status_code == 302
    manual.refresh_from_db()
    assert manual.actual == 16 and ManualValue.objects.get().evidence_url.endswith("survey.pdf")


def _signed_card(world: World) -> Scorecard:

    card = scorecards.compute(world.sales_a, "sales", dt.date(2024, 5, 1))
    card = scorecards.set_manual_score(world.manager, card, "sla", Decimal(20))
    return scorecards.sign(world.manager, card)


def test_a_signed_scorecard_is_not_edited_only_adjusted_with_a_reason(
    world: World, api: Any, login: Any
) -> None:
    card = _signed_card(world)
    lines, total = card.lines, card.total
    audit_before = planning_audit()
    refused = api(world.manager).post(f"/api/v1/scorecards/{card.pk}/scores",
                                      {"indicator": "sla", "score": 28}, content_type="application/json")  # fmt: skip
    assert refused.status_code == 400 and "已签核" in refused.json()["errors"][0]["message"]
    page = login(world.manager).post(reverse("planning:scorecard_score", args=[card.pk]),
                                     {"indicator": "sla", "score": "28"})  # fmt: skip
    assert page.status_code == 400 and "调整原因" in page.content.decode()
    mine = login(world.sales_a).post(reverse("planning:scorecard_self", args=[card.pk]),
                                     {"text": "补充自评"})  # fmt: skip
    assert mine.status_code == 400 and "自评不能再修改" in mine.content.decode()
    card.refresh_from_db()
    assert (card.lines, card.total, card.self_assessment) == (lines, total, "")
    assert not ScorecardAdjustment.objects.exists() and planning_audit() == audit_before
    ok = login(world.manager).post(reverse("planning:scorecard_score", args=[card.pk]),
                                   {"indicator": "deals", "score": "40", "reason": "补录一套成交"})  # fmt: skip
    assert ok.status_code == 302
    card.refresh_from_db()
    assert card.total == total and ScorecardAdjustment.objects.get().score == 40
    assert scorecards.adjusted_total(card) == total + 40


def test_forms_and_actions_need_the_right_role(world: World, login: Any) -> None:
    card = _signed_card(world)
    assert login(world.planner).get(reverse("planning:goal_new")).status_code == 403
    assert login(world.planner).post(reverse("planning:goal_new"), page_body()).status_code == 403
    assert (
        login(world.sales_b).get(reverse("planning:scorecard", args=[card.pk])).status_code == 404
    )
    assert (
        login(world.outsider).get(reverse("planning:scorecard", args=[card.pk])).status_code == 404
    )
    assert (
        login(world.sales_a).get(reverse("planning:scorecard", args=[card.pk])).status_code == 200
    )
    nothing_written()


def test_the_goal_form_creates_a_goal_with_its_key_results(world: World, login: Any) -> None:
    body = page_body(**{"accounts": [], "platforms": ["wechat_mp", "weibo"]})
    body.update({"kr-1-metric": "satisfaction", "kr-1-target": "20", "kr-1-weight": "2"})
    response = login(world.manager).post(reverse("planning:goal_new"), body)
    assert response.status_code == 302
    goal = Goal.objects.get()
    krs = list(goal.key_results.order_by("id").values_list("metric", "scope", "weight"))
    assert krs == [("exposure", {"platforms": ["wechat_mp", "weibo"]}, 1), ("satisfaction", {}, 2)]
    assert AuditEntry.objects.filter(target_type="goal", action="goal.create").count() == 1
