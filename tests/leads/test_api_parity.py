"""API parity of the leads desk: every list answers the page's rows for the same query string
and persona; every write of the pages has an API twin that leaves the same rows and audit."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook

from mediadesk.core import phone
from mediadesk.leads import arbitration, attribution, services
from mediadesk.leads.models import (
    Campaign,
    Channel,
    Customer,
    Deal,
    Dispute,
    FollowUp,
    Opportunity,
    Referral,
    RuleSet,
    Source,
    Stage,
)
from tests.api.parity import assert_same_rows, audit_of, same_audit
from tests.conftest import World
from tests.leads.conftest import as_of
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db

PERSONAS = ("manager", "manager_xa", "sales_a", "sales_b", "supervisor_qj", "channel", "planner",
            "outsider")  # fmt: skip


@pytest.fixture
def desk(
    world: World, rule_set: RuleSet, rule_set_yj: RuleSet, seat_a: Any, seat_b: Any,
    agency: Any, agency_b: Any, supervisor_qj: Any, t0: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """Leads in three projects and every state the lists filter on."""
    opps = [capture(world, f"1391234{i:04d}", by=world.manager, source=src)
            for i, src in enumerate([Source.WALK_IN, Source.CALL_400, Source.WALK_IN, Source.FORM])]  # fmt: skip
    opps += [capture(world, f"1361234{i:04d}", project=world.yunjing, by=world.manager)
             for i in range(3)]  # fmt: skip
    opps.append(capture(world, "13712345678", project=world.tianfu, by=world.manager))
    services.add_follow_up(opps[0], by=world.sales_a, kind="call", content="已电话沟通")
    services.change_stage(opps[1], by=world.sales_a, stage=Stage.LOST, reason="已在别处购房")
    for channel, number, hours in ((agency, "135****5678", 0), (agency_b, "135**345678", 1)):
        attribution.file_report(project=world.qujiang, phone=number, channel=channel,
                                by=world.channel, reported_at=as_of(t0, hours=hours))  # fmt: skip
    attribution.file_report(project=world.qujiang, phone="13500001111", channel=agency,
                            by=world.channel, reported_at=t0)  # fmt: skip
    customer = Customer.objects.get(phone="13500001111")
    arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                 to_project=world.yunjing, by=world.channel)  # fmt: skip
    Campaign.objects.create(organisation=world.org, project=world.qujiang, name="开盘预约",
                            slug="kaipan")  # fmt: skip
    Channel.objects.create(organisation=world.org, name="停用中介", kind="agency", is_active=False)
    return {"opps": opps, "customer": customer}


def _person(world: World, name: str, extra: dict[str, Any]) -> Any:
    return extra.get(name) or getattr(world, name)


def _check(world: World, login: Any, api: Any, people: dict[str, Any], page_url: str,
           api_url: str, cases: list[dict[str, Any]], *, limit: int, key: str = "page") -> int:  # fmt: skip
    listed = 0
    for name in PERSONAS:
        user = _person(world, name, people)
        listed += assert_same_rows(login(user), api(user), page_url, api_url, cases, limit=limit,
                                   key=key)  # fmt: skip
    return listed


def test_the_lead_list_and_the_api_answer_the_same_rows(
    world: World, login: Any, api: Any, desk: dict[str, Any], supervisor_qj: Any
) -> None:
    cases = [{}, {"stage": "new"}, {"project": world.qujiang.pk}, {"consultant": "none"},
             {"consultant": str(world.sales_a.pk)}, {"q": "0002"}, {"q": "13912340003"},
             {"source": "call_400"}, {"pool": "1"}, {"pool": "false"}, {"sort": "-due"},
             {"sort": "created"}, {"from": "2000-01-01", "to": "2100-01-01"}, {"to": "2000-01-01"},
             {"intent": "A"}, {"overdue": "1"}]  # fmt: skip
    listed = _check(world, login, api, {"supervisor_qj": supervisor_qj}, reverse("leads:home"),
                    "/api/v1/leads/opportunities", cases, limit=30)  # fmt: skip
    assert listed > 20


def test_a_bad_filter_is_ignored_by_the_page_and_a_422_from_the_api(
    world: World, login: Any, api: Any, desk: dict[str, Any]
) -> None:
    assert login(world.manager).get(reverse("leads:home"), {"project": "x"}).status_code == 200
    answer = api(world.manager).get("/api/v1/leads/opportunities", {"project": "x"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "project"
    assert api(world.manager).get("/api/v1/leads/opportunities", {"sort": "x"}).status_code == 422


def test_the_api_masks_numbers_as_the_lead_list_does(
    world: World, login: Any, api: Any, desk: dict[str, Any]
) -> None:
    for user in (world.manager, world.sales_a):
        page = login(user).get(reverse("leads:home")).context["rows"]
        shown = {o.pk: number for o, number in page}
        items = api(user).get("/api/v1/leads/opportunities").json()["items"]
        assert {i["id"]: i["phone"] for i in items} == shown
    own = api(world.sales_a).get("/api/v1/leads/opportunities").json()["items"]
    assert own and all(len(i["phone"]) == 11 and "*" not in i["phone"] for i in own)
    assert all("*" in i["phone"] for i in api(world.manager).get(
        "/api/v1/leads/opportunities").json()["items"])  # fmt: skip


def test_customers_are_those_of_the_lead_list_masked_as_on_their_page(
    world: World, login: Any, api: Any, desk: dict[str, Any], supervisor_qj: Any
) -> None:
    for user in (world.manager, world.manager_xa, world.sales_a, supervisor_qj, world.channel):
        rows = login(user).get(reverse("leads:home")).context["page"]
        expected = {o.customer_id for o in rows}
        data = api(user).get("/api/v1/leads/customers", {"limit": 500}).json()
        assert {c["id"] for c in data["items"]} == expected and data["count"] == len(expected)
        for item in data["items"]:
            page = login(user).get(reverse("leads:customer", args=[item["id"]]))
            assert page.context["view"].phone == item["phone"]
    assert api(world.planner).get("/api/v1/leads/customers").status_code == 403
    assert api(world.outsider).get("/api/v1/leads/customers").json()["count"] == 0
    mine = api(world.sales_a).get("/api/v1/leads/customers", {"q": "0002"}).json()["items"]
    assert [c["phone"] for c in mine] == ["13912340002"]
    found = api(world.manager).get("/api/v1/leads/customers", {"project": world.yunjing.pk})
    assert found.json()["count"] == 3


def test_follow_ups_and_deals_are_those_of_the_customer_page(
    world: World, login: Any, api: Any, desk: dict[str, Any]
) -> None:
    opp = desk["opps"][0]
    attribution.record_deal(opportunity=opp, by=world.manager, stage="subscribed",
                            unit_label="1-1-101", amount_fen=100_00, at=dt.datetime.now(dt.UTC))  # fmt: skip
    for user in (world.manager, world.sales_a, world.sales_b):
        page = login(user).get(reverse("leads:customer", args=[opp.customer_id]))
        cards = page.context["cards"] if page.status_code == 200 else []
        follow_ups = {f.pk for c in cards for f in c["follow_ups"]}
        deals = {d.pk for c in cards for d in c["deals"]}
        got = api(user).get("/api/v1/leads/follow-ups", {"opportunity": opp.pk}).json()["items"]
        assert {f["id"] for f in got} == follow_ups
        got = api(user).get("/api/v1/leads/deals", {"opportunity": opp.pk}).json()["items"]
        assert {d["id"] for d in got} == deals
    assert follow_ups == set() and deals == set()  # sales_b: another project
    items = api(world.manager).get("/api/v1/leads/deals", {"stage": "subscribed"}).json()["items"]
    assert [(d["unit_label"], d["amount_fen"]) for d in items] == [("1-1-101", 10_000)]


def test_the_pool_and_the_api_answer_the_same_rows(
    world: World, login: Any, api: Any, desk: dict[str, Any], supervisor_qj: Any
) -> None:
    cases = [{}, {"reason": "丢失"}, {"project": world.qujiang.pk}, {"reason": "未跟进"}]
    listed = _check(world, login, api, {"supervisor_qj": supervisor_qj}, reverse("leads:pool"),
                    "/api/v1/leads/pool", cases, limit=30)  # fmt: skip
    assert listed >= 3
    items = api(world.sales_a).get("/api/v1/leads/pool").json()["items"]
    assert items and all("*" in i["phone"] for i in items)


def test_attribution_lists_and_the_api_answer_the_same_rows(
    world: World, login: Any, api: Any, desk: dict[str, Any], agency: Any, supervisor_qj: Any
) -> None:
    people = {"supervisor_qj": supervisor_qj}
    pairs = [
        ("leads:reports", "/api/v1/leads/reports",
         [{}, {"channel": agency.pk}, {"result_code": "0"}, {"q": "1111"}, {"status": "valid"},
          {"since": "2025-03-03", "until": "2025-03-03"}, {"since": "2030-01-01"}]),
        ("leads:disputes", "/api/v1/leads/disputes",
         [{}, {"state": "decided"}, {"state": "all"}, {"kind": "masked"}]),
        ("leads:referrals", "/api/v1/leads/referrals",
         [{}, {"status": "approved"}, {"status": "all"}]),
        ("leads:trips", "/api/v1/leads/trips", [{}, {"channel": agency.pk}]),
    ]  # fmt: skip
    for page_name, api_url, cases in pairs:
        listed = _check(world, login, api, people, reverse(page_name), api_url, cases, limit=30)
        if page_name != "leads:trips":
            assert listed, page_name


def test_channel_admin_lists_and_the_api_answer_the_same_rows(
    world: World, login: Any, api: Any, desk: dict[str, Any], broker: Any
) -> None:
    people = {"broker": broker}
    for page_name, api_url, key, cases in (
        ("leads:channels", "/api/v1/leads/channels", "channels",
         [{}, {"active": "false"}, {"kind": "agency"}, {"q": "安家"}]),
        ("leads:brokers", "/api/v1/leads/brokers", "brokers", [{}, {"active": "true"}]),
        ("leads:campaigns", "/api/v1/leads/campaigns", "campaigns", [{}, {"project": world.qujiang.pk}]),
    ):  # fmt: skip
        for name in ("manager", "channel"):
            user = _person(world, name, people)
            assert assert_same_rows(login(user), api(user), reverse(page_name), api_url, cases,
                                    limit=500, key=key)  # fmt: skip
        assert login(world.sales_a).get(reverse(page_name)).status_code == 403
        if page_name != "leads:channels":  # readers of leads records may list channels
            assert api(world.sales_a).get(api_url).status_code == 403


# --- writes ---------------------------------------------------------------------------------------


def _twins(world: World, prefix: str) -> tuple[Opportunity, Opportunity]:
    return (capture(world, f"{prefix}0001", by=world.manager),
            capture(world, f"{prefix}0002", by=world.manager))  # fmt: skip


def test_follow_up_through_the_api_writes_what_the_page_writes(
    world: World, login: Any, api: Any, desk: dict[str, Any]
) -> None:
    web, by_api = _twins(world, "1334444")
    body = {"kind": "call", "content": "约周六到访", "call_seconds": 120,
            "next_contact_at": "2031-03-08T10:00:00+08:00", "intent": "A"}  # fmt: skip
    page = audit_of(lambda: login(world.sales_a).post(
        reverse("leads:follow_up", args=[web.pk]), {**body, "next_contact_at": "2031-03-08T10:00"}))  # fmt: skip
    answer: list[Any] = []
    through_api = audit_of(lambda: answer.append(api(world.sales_a).post(
        f"/api/v1/leads/opportunities/{by_api.pk}/follow-ups", body, content_type="application/json")))  # fmt: skip
    assert answer[0].status_code == 201, answer[0].json()
    same_audit(page, through_api)
    rows = [FollowUp.objects.filter(opportunity=o).values("kind", "content", "call_seconds",
            "next_contact_at", "intent").get() for o in (web, by_api)]  # fmt: skip
    assert rows[0] == rows[1]
    web.refresh_from_db()
    by_api.refresh_from_db()
    assert (web.stage, web.intent) == (by_api.stage, by_api.intent) == (Stage.CONTACTED, "A")


def test_stage_assign_and_claim_through_the_api_write_what_the_pages_write(
    world: World, login: Any, api: Any, desk: dict[str, Any], supervisor_qj: Any
) -> None:
    from mediadesk.leads.models import Consultant

    web, by_api = _twins(world, "1335555")
    assert web.consultant_id == by_api.consultant_id == world.sales_a.pk
    Consultant.objects.create(organisation=world.org, project=world.qujiang, user=supervisor_qj)
    page = audit_of(lambda: login(world.manager).post(reverse("leads:assign", args=[web.pk]),
                    {"consultant": supervisor_qj.pk, "reason": "顾问休假"}))  # fmt: skip
    through_api = audit_of(lambda: api(world.manager).post(
        f"/api/v1/leads/opportunities/{by_api.pk}/assign",
        {"consultant": supervisor_qj.pk, "reason": "顾问休假"}, content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    for opp in (web, by_api):
        opp.refresh_from_db()
        assert opp.consultant_id == supervisor_qj.pk
    page = audit_of(lambda: login(supervisor_qj).post(reverse("leads:stage", args=[web.pk]),
                    {"stage": "lost", "reason": "无购房预算"}))  # fmt: skip
    through_api = audit_of(lambda: api(supervisor_qj).post(
        f"/api/v1/leads/opportunities/{by_api.pk}/stage", {"stage": "lost", "reason": "无购房预算"},
        content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    for opp in (web, by_api):
        opp.refresh_from_db()
        assert (opp.stage, opp.in_pool) == (Stage.LOST, True)
    page = audit_of(lambda: login(world.sales_a).post(reverse("leads:pool_claim", args=[web.pk])))
    through_api = audit_of(lambda: api(world.sales_a).post(f"/api/v1/leads/pool/{by_api.pk}/claim"))
    same_audit(page, through_api)
    for opp in (web, by_api):
        opp.refresh_from_db()
        assert (opp.in_pool, opp.consultant_id) == (False, world.sales_a.pk)
    again = api(world.sales_a).post(f"/api/v1/leads/pool/{by_api.pk}/claim")
    assert again.status_code == 404


def test_deals_through_the_api_write_what_the_pages_write(
    world: World, login: Any, api: Any, desk: dict[str, Any]
) -> None:
    web, by_api = _twins(world, "1336666")
    at = "2031-03-03T10:00"
    page = audit_of(lambda: login(world.channel).post(reverse("leads:deal_new", args=[web.pk]),
                    {"stage": "pledged", "unit_label": "8-1", "amount_yuan": "1000000.50", "at": at}))  # fmt: skip
    through_api = audit_of(lambda: api(world.channel).post(
        f"/api/v1/leads/opportunities/{by_api.pk}/deals",
        {"stage": "pledged", "unit_label": "8-1", "amount_fen": 100000050,
         "at": at + ":00+08:00"}, content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    deals = [Deal.objects.get(opportunity=o) for o in (web, by_api)]
    fields = ("unit_label", "amount_fen", "stage", "pledged_at", "consultant_id")
    assert tuple(getattr(deals[0], f) for f in fields) == tuple(
        getattr(deals[1], f) for f in fields
    )
    page = audit_of(lambda: login(world.channel).post(
        reverse("leads:deal_advance", args=[deals[0].pk]), {"step": "signed", "at": at}))  # fmt: skip
    through_api = audit_of(lambda: api(world.channel).post(
        f"/api/v1/leads/deals/{deals[1].pk}/advance", {"step": "signed", "at": at + ":00+08:00"},
        content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    page = audit_of(lambda: login(world.channel).post(
        reverse("leads:deal_cancel", args=[deals[0].pk]), {"confirm": "on", "at": at}))  # fmt: skip
    through_api = audit_of(lambda: api(world.channel).post(
        f"/api/v1/leads/deals/{deals[1].pk}/cancel", {"at": at + ":00+08:00"},
        content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    assert {d.stage for d in Deal.objects.filter(pk__in=[d.pk for d in deals])} == {"cancelled"}
    again = api(world.channel).post(f"/api/v1/leads/deals/{deals[1].pk}/cancel",
                                    {"at": at + ":00+08:00"}, content_type="application/json")  # fmt: skip
    assert again.status_code == 409 and again.json()["detail"]


def test_dispute_and_referral_decisions_through_the_api(
    world: World, login: Any, api: Any, desk: dict[str, Any], agency: Any, agency_b: Any,
    t0: dt.datetime,
) -> None:  # fmt: skip
    first = Dispute.objects.get()
    for channel, number, hours in ((agency, "136****8765", 0), (agency_b, "136**998765", 1)):
        attribution.file_report(project=world.qujiang, phone=number, channel=channel,
                                by=world.channel, reported_at=as_of(t0, hours=hours))  # fmt: skip
    second = Dispute.objects.exclude(pk=first.pk).get()
    page = audit_of(lambda: login(world.channel).post(reverse("leads:dispute", args=[first.pk]),
                    {"decision": "split", "reason": "各半", "share_a": "0.5"}))  # fmt: skip
    through_api = audit_of(lambda: api(world.channel).post(
        f"/api/v1/leads/disputes/{second.pk}/decide",
        {"decision": "split", "reason": "各半", "share_a": "0.5"}, content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    for d in (first, second):
        d.refresh_from_db()
        assert (d.decision, d.share_a) == ("split", Decimal("0.500"))
    referral = Referral.objects.get()
    refused = api(world.sales_b).post(f"/api/v1/leads/referrals/{referral.pk}/decide",
                                      {"approve": True}, content_type="application/json")  # fmt: skip
    assert refused.status_code in (403, 404)
    answer = api(world.channel).post(f"/api/v1/leads/referrals/{referral.pk}/decide",
                                     {"approve": True, "reason": "客户意向云境"},
                                     content_type="application/json")  # fmt: skip
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    assert Opportunity.objects.filter(project=world.yunjing, customer=referral.customer).exists()


WRITES = [
    ("follow-ups", {"kind": "call", "content": "x"}),
    ("stage", {"stage": "contacted"}),
    ("deals", {"stage": "pledged", "unit_label": "1", "amount_fen": 1,
               "at": "2031-03-03T10:00:00+08:00"}),
]  # fmt: skip


def test_who_may_write_is_the_same_through_the_page_and_the_api(
    world: World, login: Any, api: Any, desk: dict[str, Any], supervisor_qj: Any
) -> None:
    """For every persona and write: the page writes a row exactly when the API does."""
    page_forms = {
        "follow-ups": ("leads:follow_up", {"kind": "call", "content": "x"}),
        "stage": ("leads:stage", {"stage": "contacted"}),
        "deals": ("leads:deal_new", {"stage": "pledged", "unit_label": "1", "amount_yuan": "0.01",
                                     "at": "2031-03-03T10:00"}),
    }  # fmt: skip
    people = {"supervisor_qj": supervisor_qj}
    numbers = itertools.count(1)
    for name in PERSONAS:
        user = _person(world, name, people)
        for suffix, body in WRITES:
            url_name, form = page_forms[suffix]
            web, by_api = _twins(world, f"133{next(numbers):04d}")
            login(user).post(reverse(url_name, args=[web.pk]), form)
            answer = api(user).post(f"/api/v1/leads/opportunities/{by_api.pk}/{suffix}", body,
                                    content_type="application/json")  # fmt: skip
            wrote = [_written(suffix, o) for o in (web, by_api)]
            assert wrote[0] == wrote[1], (name, suffix, answer.status_code)
            assert (answer.status_code < 300) == wrote[1], (name, suffix, answer.json())
            assert answer.status_code < 300 or set(answer.json()) == {"detail", "errors"}


def _written(kind: str, opp: Opportunity) -> bool:
    if kind == "stage":
        return Opportunity.objects.get(pk=opp.pk).stage == Stage.CONTACTED
    model = FollowUp if kind == "follow-ups" else Deal
    return model.objects.filter(opportunity=opp).exists()


def _workbook(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["手机号", "姓名", "来源", "渠道", "留资时间", "备注"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_through_the_api_previews_then_writes_all_or_nothing(
    world: World, api: Any, desk: dict[str, Any]
) -> None:
    client = api(world.manager)
    bad = io.BytesIO(
        _workbook([["13800001111", "张三", "", "", "", ""], ["123", "李四", "", "", "", ""]])
    )
    bad.name = "线索.xlsx"
    preview = client.post("/api/v1/leads/imports", {"file": bad, "project": world.qujiang.pk})
    assert preview.status_code == 200, preview.json()
    data = preview.json()
    assert (data["ok"], data["rows"]) == (False, 2) and "第 3 行" in data["errors"][0]
    refused = client.post(f"/api/v1/leads/imports/{data['token']}/confirm")
    assert refused.status_code == 400 and not Customer.objects.filter(phone="13800001111").exists()
    good = io.BytesIO(_workbook([["13800001111", "张三", "", "", "", ""]]))
    good.name = "线索.xlsx"
    data = client.post("/api/v1/leads/imports", {"file": good, "project": world.qujiang.pk}).json()
    assert data["ok"]
    assert (
        api(world.sales_a).post(f"/api/v1/leads/imports/{data['token']}/confirm").status_code == 404
    )
    done = client.post(f"/api/v1/leads/imports/{data['token']}/confirm")
    assert done.status_code == 200 and done.json() == {"created": 1, "updated": 0}
    assert Customer.objects.filter(phone="13800001111").exists()
    from tests.conftest import audit_actions

    assert "lead.import" in audit_actions("project", world.qujiang.pk)
    gone = client.post(f"/api/v1/leads/imports/{data['token']}/confirm")
    assert gone.status_code == 404
    assert api(world.sales_a).post(
        "/api/v1/leads/imports", {"project": world.qujiang.pk}
    ).status_code in (403, 422)
    assert phone.mask("13800001111") == "138****1111"
