"""Pages and API: who sees which statement, approval and adjustments through the UI, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from mediadesk.commissions import services
from mediadesk.commissions.exports import LINE_HEADERS, SUMMARY_HEADERS
from mediadesk.commissions.models import Line, LiveSessionFigure, Scheme, Statement
from tests.commissions.conftest import at, make_deal, make_scheme
from tests.conftest import audit_actions

JAN = dt.date(2025, 1, 1)


@pytest.fixture
def jan(world):  # type: ignore[no-untyped-def]
    """January 2025 settled: one statement for sales_a (曲江府) and one for sales_b (云境)."""
    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_scheme(world.yunjing, world.manager, rate="1.0")
    make_deal(world.qujiang, world.sales_a, yuan=1_000_000, subscribed=at(2025, 1, 2),
              paid_30=at(2025, 1, 3))  # fmt: skip
    make_deal(world.yunjing, world.sales_b, yuan=3_000_000, subscribed=at(2025, 1, 2),
              paid_30=at(2025, 1, 3))  # fmt: skip
    services.settle_month(organisation=world.org, month=JAN, by=world.manager)
    return {
        "a": Statement.objects.get(person=world.sales_a),
        "b": Statement.objects.get(person=world.sales_b),
    }


def test_anonymous_is_sent_to_login(client, jan) -> None:  # type: ignore[no-untyped-def]
    for url in (
        "/commissions/",
        f"/commissions/statements/{jan['a'].pk}/",
        "/commissions/schemes/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_sales_sees_only_their_own_statement(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.sales_a)
    mine = client.get("/commissions/")
    assert mine.status_code == 200
    assert "¥7,000.00" in mine.content.decode()
    assert client.get(f"/commissions/statements/{jan['a'].pk}/").status_code == 200
    assert client.get(f"/commissions/statements/{jan['b'].pk}/").status_code == 404
    assert client.get(f"/commissions/statements/{jan['b'].pk}/export.xlsx").status_code == 404
    assert client.get("/commissions/statements/").status_code == 403
    assert client.get("/commissions/schemes/").status_code == 403
    response = client.post(f"/commissions/statements/{jan['a'].pk}/approve/")
    assert response.status_code == 403
    jan["a"].refresh_from_db()
    assert jan["a"].status == Statement.Status.DRAFT


def test_outsider_sees_nothing(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.outsider)
    assert "¥7,000.00" not in client.get("/commissions/").content.decode()
    assert client.get(f"/commissions/statements/{jan['a'].pk}/").status_code == 404
    listing = client.get("/commissions/statements/?month=2025-01").content.decode()
    assert "sales_a" not in listing and "sales_b" not in listing


def test_channel_manager_views_but_cannot_approve(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.channel)
    listing = client.get("/commissions/statements/?month=2025-01").content.decode()
    assert "sales_a" in listing and "sales_b" in listing
    assert client.get(f"/commissions/statements/{jan['a'].pk}/").status_code == 200
    assert client.post(f"/commissions/statements/{jan['a'].pk}/approve/").status_code == 403
    assert audit_actions("commission_statement", jan["a"].pk) == ["commission.settle"]


def test_statement_list_filters_by_person_and_status(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.manager)
    page = client.get(f"/commissions/statements/?month=2025-01&person={world.sales_b.pk}")
    assert list(page.context["page"]) == [jan["b"]]
    page = client.get("/commissions/statements/?month=2025-01&status=approved")
    assert list(page.context["page"]) == []
    page = client.get("/commissions/statements/?month=2024-12")
    assert "没有符合条件的结算单" in page.content.decode()


def test_manager_approves_then_an_adjustment_lands_next_month(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.manager)
    response = client.post(f"/commissions/statements/{jan['a'].pk}/approve/")
    assert response.status_code == 302
    jan["a"].refresh_from_db()
    assert jan["a"].status == Statement.Status.APPROVED and jan["a"].approved_by == world.manager
    response = client.post(
        f"/commissions/statements/{jan['a'].pk}/adjust/", {"amount": "-100.50", "reason": "扣回"}
    )
    feb = Statement.objects.get(person=world.sales_a, month=dt.date(2025, 2, 1))
    assert response["Location"] == f"/commissions/statements/{feb.pk}/"
    assert feb.total_fen == -10050
    assert Line.objects.get(statement=feb).moved_from == jan["a"]
    jan["a"].refresh_from_db()
    assert jan["a"].total_fen == 7_000_00 and jan["a"].lines.count() == 1
    assert audit_actions("commission_statement", jan["a"].pk)[-1] == "commission.approve"


def test_settle_page_builds_the_month(login, world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 3, 2), paid_30=at(2025, 3, 3))
    client = login(world.manager)
    response = client.post("/commissions/statements/settle/", {"month": "2025-03"})
    assert response.status_code == 302
    assert Statement.objects.filter(month=dt.date(2025, 3, 1), person=world.sales_a).exists()
    assert (
        login(world.channel)
        .post("/commissions/statements/settle/", {"month": "2025-03"})
        .status_code
        == 403
    )


def test_excel_exports_have_the_expected_headers(login, world, jan) -> None:  # type: ignore[no-untyped-def]
    client = login(world.manager)
    one = client.get(f"/commissions/statements/{jan['a'].pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(one.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == LINE_HEADERS
    assert rows[1][3] == "阶段佣金" and rows[-1][0] == "合计" and rows[-1][12] == 7000
    summary = client.get("/commissions/statements/export.xlsx?month=2025-01")
    rows = list(load_workbook(io.BytesIO(summary.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == SUMMARY_HEADERS and len(rows) == 3
    own = login(world.sales_a).get(f"/commissions/statements/{jan['a'].pk}/export.xlsx")
    assert own.status_code == 200


def test_scheme_page_refuses_an_online_scheme_below_base(login, world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    client = login(world.manager)
    form = {
        "name": "线上渠道", "project": world.qujiang.pk, "payee": "channel", "channel_kind": "online",
        "basis": "rate", "tier_by": "units", "tier_mode": "whole", "tier_period": "month",
        "tier_pool": "person", "supervisor_counts": "on", "stage_paid_30": "70", "stage_loan": "20",
        "stage_handover": "10", "valid_from": "2024-01-01", "is_active": "on",
        "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0",
        "tiers-0-threshold": "0", "tiers-0-rate": "0.8", "tiers-1-threshold": "", "tiers-1-rate": "",
    }  # fmt: skip
    response = client.post("/commissions/schemes/new/", form)
    assert response.status_code == 200
    assert "线上渠道佣金须独立且不低于基础渠道佣金" in response.content.decode()
    assert not Scheme.objects.filter(name="线上渠道").exists()
    form["tiers-0-rate"] = "1.5"
    assert client.post("/commissions/schemes/new/", form).status_code == 302
    assert Scheme.objects.get(name="线上渠道").tiers.get().rate == 1.5
    assert client.get("/commissions/schemes/").status_code == 200
    assert login(world.channel).get("/commissions/schemes/new/").status_code == 403


def test_live_figures_are_entered_by_managers_and_audited(login, world) -> None:  # type: ignore[no-untyped-def]
    data = {"project": world.qujiang.pk, "date": "2025-01-05", "anchor": world.operator.pk,
            "viewers": "3200", "leads": "45", "note": "周末直播"}  # fmt: skip
    assert login(world.channel).post("/commissions/live/", data).status_code == 403
    assert not LiveSessionFigure.objects.exists()
    response = login(world.manager).post("/commissions/live/", data)
    assert response.status_code == 302
    figure = LiveSessionFigure.objects.get()
    assert (figure.viewers, figure.leads, figure.entered_by) == (3200, 45, world.manager)
    assert audit_actions("live_figure", figure.pk) == ["live_figure.create"]


# --- API -----------------------------------------------------------------------------------------


def test_api_lists_own_statements_for_sales_and_all_in_scope_for_managers(api, world, jan) -> None:  # type: ignore[no-untyped-def]
    own = api(world.sales_a).get("/api/v1/commissions/statements?month=2025-01").json()
    assert [s["id"] for s in own["items"]] == [jan["a"].pk]
    assert own["items"][0]["total_fen"] == 7_000_00
    everyone = api(world.manager).get("/api/v1/commissions/statements?month=2025-01").json()
    assert {s["id"] for s in everyone["items"]} == {jan["a"].pk, jan["b"].pk}
    assert api(world.outsider).get("/api/v1/commissions/statements").json()["count"] == 0


def test_api_statement_detail_and_errors(api, client, world, jan) -> None:  # type: ignore[no-untyped-def]
    detail = api(world.sales_a).get(f"/api/v1/commissions/statements/{jan['a'].pk}").json()
    assert detail["lines"][0]["amount_fen"] == 7_000_00 and detail["lines"][0]["stage"] == "paid_30"
    assert (
        api(world.sales_a).get(f"/api/v1/commissions/statements/{jan['b'].pk}").status_code == 404
    )
    assert (
        api(world.outsider).get(f"/api/v1/commissions/statements/{jan['a'].pk}").status_code == 404
    )
    assert client.get("/api/v1/commissions/statements").status_code == 401
    bad = api(world.manager).get("/api/v1/commissions/statements?month=2025-13")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"


def test_statement_pages_keep_their_query_count(
    login, world, jan, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for day in range(3, 9):
        make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, day), paid_30=at(2025, 1, 9))
    services.settle_month(organisation=world.org, month=JAN, by=world.manager)
    client = login(world.manager)
    with django_assert_max_num_queries(20):
        client.get("/commissions/statements/?month=2025-01")
    with django_assert_max_num_queries(20):
        client.get(f"/commissions/statements/{jan['a'].pk}/")
    with django_assert_max_num_queries(12):
        client.get("/commissions/statements/export.xlsx?month=2025-01")


def test_incentive_pages(login, world) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.commissions.models import Incentive

    data = {
        "name": "顾问阶梯奖", "project": world.qujiang.pk, "kind": "deal_tiers", "target_units": "3",
        "members": [world.sales_a.pk], "valid_from": "2025-01-01", "is_active": "on",
        "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0",
        "tiers-0-threshold": "4", "tiers-0-per_unit": "500", "tiers-1-threshold": "",
    }  # fmt: skip
    assert login(world.channel).post("/commissions/incentives/new/", data).status_code == 403
    client = login(world.manager)
    assert client.post("/commissions/incentives/new/", data).status_code == 302
    rule = Incentive.objects.get()
    assert [(t.threshold, t.per_unit_fen) for t in rule.tiers.all()] == [(4, 500_00)]
    assert list(rule.members.all()) == [world.sales_a]
    assert audit_actions("commission_incentive", rule.pk) == ["commission_incentive.create"]
    assert "顾问阶梯奖" in client.get("/commissions/incentives/").content.decode()
    assert client.get(f"/commissions/incentives/{rule.pk}/").status_code == 200
    assert login(world.sales_a).get("/commissions/incentives/").status_code == 403
