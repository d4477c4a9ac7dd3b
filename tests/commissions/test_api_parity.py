"""API parity of commissions: the statement, scheme, incentive and figure lists answer the
pages' rows; approving a statement through the API writes what the page writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mediadesk.commissions import services
from mediadesk.commissions.models import Incentive, LiveSessionFigure, Statement
from tests.api.parity import assert_same_rows, audit_of, same_audit
from tests.commissions.conftest import at, make_deal, make_scheme
from tests.conftest import World

JAN = dt.date(2025, 1, 1)
PERSONAS = ("manager", "manager_xa", "channel", "sales_a", "planner", "outsider")


@pytest.fixture
def settled(world: World) -> dict[str, Statement]:
    """January 2025 settled twice over: two statements per consultant project."""
    for project, person in ((world.qujiang, world.sales_a), (world.yunjing, world.sales_b)):
        make_scheme(project, world.manager, rate="1.0")
        for day in (2, 3):
            make_deal(project, person, yuan=1_000_000, subscribed=at(2025, 1, day),
                      paid_30=at(2025, 1, day + 1))  # fmt: skip
    services.settle_month(organisation=world.org, month=JAN, by=world.manager)
    Incentive.objects.create(organisation=world.org, company=world.xian, project=world.qujiang,
                             name="月度冠军", kind=Incentive.Kind.choices[0][0],
                             valid_from=JAN)  # fmt: skip
    LiveSessionFigure.objects.create(organisation=world.org, company=world.xian,
                                     project=world.qujiang, date=JAN, anchor=world.sales_a,
                                     viewers=1200, leads=30, entered_by=world.manager)  # fmt: skip
    return {"a": Statement.objects.get(person=world.sales_a),
            "b": Statement.objects.get(person=world.sales_b)}  # fmt: skip


def test_commission_lists_answer_the_pages_rows(
    world: World, login: Any, api: Any, settled: dict[str, Statement]
) -> None:
    month = {"month": "2025-01"}
    lists = [
        ("/commissions/statements/", "/api/v1/commissions/statements",
         [month, {**month, "person": world.sales_b.pk}, {**month, "status": "approved"},
          {**month, "project": world.qujiang.pk}, {**month, "recipient": "person"},
          {"month": "2024-12"}]),
        ("/commissions/schemes/", "/api/v1/commissions/schemes",
         [{}, {"project": world.yunjing.pk}, {"payee": "consultant"}, {"active": "1"}]),
        ("/commissions/incentives/", "/api/v1/commissions/incentives", [{}, {"kind": "team_target"}, {"kind": "deal_tiers"}]),
        ("/commissions/live/", "/api/v1/commissions/live-figures", [{}, month, {"month": "2024-01"}]),
    ]  # fmt: skip
    for page_url, api_url, cases in lists:
        listed = 0
        # Statements: the API also lists a payee's own ones (their 我的佣金 page) to anyone.
        for name in PERSONAS if "statements" not in api_url else PERSONAS[:3]:
            user = getattr(world, name)
            listed += assert_same_rows(login(user), api(user), page_url, api_url, cases, limit=30)
        assert listed, page_url
    own = api(world.sales_a).get("/api/v1/commissions/statements").json()
    mine = login(world.sales_a).get("/commissions/").context["months"]
    assert [s["id"] for s in own["items"]] == [s.pk for m in mine for s in m["statements"]]
    assert [s["id"] for s in own["items"]] == [settled["a"].pk]
    assert api(world.planner).get("/api/v1/commissions/statements").json()["count"] == 0
    assert api(world.sales_a).get("/api/v1/commissions/schemes").status_code == 403


def test_approving_through_the_api_writes_what_the_page_writes(
    world: World, login: Any, api: Any, settled: dict[str, Statement]
) -> None:
    a, b = settled["a"], settled["b"]
    refused = api(world.channel).post(f"/api/v1/commissions/statements/{b.pk}/approve")
    assert refused.status_code == 403 and set(refused.json()) == {"detail", "errors"}
    assert (
        api(world.sales_a).post(f"/api/v1/commissions/statements/{b.pk}/approve").status_code == 404
    )
    client = api(world.manager)
    page = audit_of(lambda: login(world.manager).post(f"/commissions/statements/{a.pk}/approve/"))
    answer: list[Any] = []
    through_api = audit_of(lambda: answer.append(
        client.post(f"/api/v1/commissions/statements/{b.pk}/approve")))  # fmt: skip
    assert answer[0].status_code == 200, answer[0].json()
    assert answer[0].json()["status"] == "approved" and answer[0].json()["lines"]
    same_audit(page, through_api)
    for statement in (a, b):
        statement.refresh_from_db()
        assert (statement.status, statement.approved_by) == ("approved", world.manager)
    again = client.post(f"/api/v1/commissions/statements/{b.pk}/approve")
    assert again.status_code in (400, 409)
