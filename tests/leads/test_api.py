"""The leads API contract: exact keys, permissions, validation (never a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediadesk.leads.models import Customer, Opportunity, Report, RuleSet, Source, Visit
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db

REPORT_KEYS = {"id", "result_code", "result", "protect_visit_until", "protect_deal_until",
               "intercept_until"}  # fmt: skip
VISIT_KEYS = {"id", "customer", "attributed_report", "attributed_channel", "result_code", "result"}


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_broker_reports_through_the_api_with_the_exact_contract(
    world: Any, rule_set: RuleSet, api: Any, broker: Any, agency: Any, agency_b: Any
) -> None:
    client = api(broker)
    body = {"project": world.qujiang.pk, "phone": "+86 135 1234 5678", "channel": agency.pk}
    res = post(client, "/api/v1/leads/reports", body)
    assert res.status_code == 201, res.content
    data = res.json()
    assert set(data) == REPORT_KEYS
    assert data["result_code"] == 0 and data["result"] == "报备成功"
    assert data["protect_visit_until"].endswith("+08:00") or data["protect_visit_until"]
    report = Report.objects.get(pk=data["id"])
    assert (report.reporter, report.broker, report.phone) == (broker, broker.broker, "13512345678")
    assert audit_actions("lead_report", report.pk) == ["lead_report.file"]
    again = post(client, "/api/v1/leads/reports", body).json()
    assert again["result_code"] == 9 and again["protect_visit_until"] is None
    other = post(client, "/api/v1/leads/reports", {**body, "channel": agency_b.pk})
    assert other.status_code == 400 and other.json()["errors"][0]["field"] == "channel"


def test_reported_at_is_for_importers_only(
    world: Any, rule_set: RuleSet, api: Any, broker: Any, agency: Any
) -> None:
    body = {"project": world.qujiang.pk, "phone": "13512345678", "channel": agency.pk,
            "reported_at": "2025-03-03T10:00:00+08:00"}  # fmt: skip
    res = post(api(broker), "/api/v1/leads/reports", body)
    assert res.status_code == 403 and set(res.json()) == {"detail", "errors"}
    assert not Report.objects.exists()
    ok = post(api(world.channel), "/api/v1/leads/reports", body)
    assert ok.status_code == 201
    assert Report.objects.get().reported_at.isoformat() == "2025-03-03T02:00:00+00:00"
    naive = post(api(world.channel), "/api/v1/leads/reports",
                 {**body, "reported_at": "2025-03-03T10:00:00"})  # fmt: skip
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "reported_at"


def test_report_permissions(
    world: Any, rule_set: RuleSet, api: Any, client: Any, agency: Any
) -> None:
    body = {"project": world.qujiang.pk, "phone": "13512345678", "channel": agency.pk}
    assert post(client, "/api/v1/leads/reports", body).status_code == 401
    assert post(api(world.sales_a), "/api/v1/leads/reports", body).status_code == 403
    assert post(api(world.outsider), "/api/v1/leads/reports", body).status_code == 400
    tianfu = {**body, "project": world.tianfu.pk}
    assert post(api(world.channel), "/api/v1/leads/reports", tianfu).status_code == 403
    assert not Report.objects.exists()


def test_channel_manager_files_for_a_broker(
    world: Any, rule_set: RuleSet, api: Any, broker: Any, agency: Any
) -> None:
    body = {"project": world.qujiang.pk, "phone": "13512345678", "channel": agency.pk,
            "reporter": broker.pk}  # fmt: skip
    res = post(api(world.channel), "/api/v1/leads/reports", body)
    assert res.status_code == 201
    report = Report.objects.get()
    assert (report.reporter, report.broker) == (broker, broker.broker)


def test_visit_contract_and_permissions(
    world: Any, rule_set: RuleSet, api: Any, broker: Any, agency: Any
) -> None:
    post(api(broker), "/api/v1/leads/reports",
         {"project": world.qujiang.pk, "phone": "13512345678", "channel": agency.pk})  # fmt: skip
    body = {"project": world.qujiang.pk, "phone": "13512345678", "channel": agency.pk}
    assert post(api(broker), "/api/v1/leads/visits", body).status_code == 403
    assert post(api(world.sales_b), "/api/v1/leads/visits", body).status_code == 403
    res = post(api(world.sales_a), "/api/v1/leads/visits", body)
    assert res.status_code == 201
    data = res.json()
    assert set(data) == VISIT_KEYS
    # Right after the report: inside the 30-minute anti-interception window.
    assert data["result_code"] == 3 and data["attributed_report"] is None
    visit = Visit.objects.get(pk=data["id"])
    assert visit.customer.phone == "13512345678"
    assert audit_actions("lead_visit", visit.pk) == ["lead_visit.record"]
    masked = post(api(world.sales_a), "/api/v1/leads/visits", {**body, "phone": "135****5678"})
    assert masked.status_code == 400 and masked.json()["errors"][0]["field"] == "phone"


def _opp(world: Any, phone: str, consultant: Any, project: Any = None) -> Opportunity:
    customer = Customer.objects.create(organisation=world.org, phone=phone)
    project = project or world.qujiang
    return Opportunity.objects.create(organisation=world.org, company=project.company,
                                      project=project, customer=customer,
                                      source=Source.WALK_IN, consultant=consultant)  # fmt: skip


def test_customer_attribution_and_sales_visibility(
    world: Any, api: Any, agency: Any, supervisor_qj: Any
) -> None:
    mine = _opp(world, "13500000001", world.sales_a)
    mine.channel = agency
    mine.save()
    theirs = _opp(world, "13500000002", supervisor_qj)
    res = api(world.sales_a).get(f"/api/v1/leads/customers/{mine.customer_id}")
    assert res.status_code == 200
    data = res.json()
    assert set(data) == {"id", "phone", "name", "attributions"}
    assert data["phone"] == "13500000001"
    assert data["attributions"][0]["channel"] == agency.pk
    assert data["attributions"][0]["project"] == world.qujiang.pk
    hidden = api(world.sales_a).get(f"/api/v1/leads/customers/{theirs.customer_id}")
    assert hidden.status_code == 404
    assert api(world.outsider).get(f"/api/v1/leads/customers/{mine.customer_id}").status_code == 404
    managed = api(world.manager_xa).get(f"/api/v1/leads/customers/{theirs.customer_id}")
    assert managed.status_code == 200 and managed.json()["phone"] == "13500000002"


def test_channel_list(world: Any, api: Any, client: Any, broker: Any, agency: Any,
                      agency_b: Any) -> None:  # fmt: skip
    assert client.get("/api/v1/leads/channels").status_code == 401
    items = api(world.channel).get("/api/v1/leads/channels").json()["items"]
    assert {(c["name"], c["kind"]) for c in items} == {
        ("安家中介", "agency"),
        ("链房分销", "agency"),
    }
    assert set(items[0]) == {"id", "name", "kind"}
    own = api(broker).get("/api/v1/leads/channels").json()["items"]
    assert [c["id"] for c in own] == [agency.pk]
    assert api(world.planner).get("/api/v1/leads/channels").json()["count"] == 0


def test_rules_get_and_put_the_same_object(world: Any, api: Any) -> None:
    url = f"/api/v1/leads/projects/{world.qujiang.pk}/rules"
    got = api(world.channel).get(url)
    assert got.status_code == 200
    data = got.json()
    assert data["mode"] == "protect" and data["visit_protect_days"] == 7
    data["visit_protect_days"] = 10
    data["protected_sources"] = {"phone_appointment": 30}
    put = api(world.channel).put(url, json.dumps(data), content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json() == data
    rule_set = RuleSet.objects.get(project=world.qujiang)
    assert rule_set.visit_protect_days == 10
    assert audit_actions("lead_rules", rule_set.pk) == ["lead_rules.update"]
    assert api(world.sales_a).put(url, json.dumps(data),
                                  content_type="application/json").status_code == 403  # fmt: skip
    assert api(world.planner).get(url).status_code == 404
    bad = {**data, "protected_sources": {"nonsense": 3}}
    res = api(world.channel).put(url, json.dumps(bad), content_type="application/json")
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "protected_sources"
    wrong = api(world.channel).put(url, json.dumps({**data, "mode": "x"}),
                                   content_type="application/json")  # fmt: skip
    assert wrong.status_code == 422


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
FIELDS = ["project", "phone", "channel", "reporter", "reported_at", "visited_at", "extra"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    url=st.sampled_from(["/api/v1/leads/reports", "/api/v1/leads/visits"]),
    body=st.one_of(JSONISH, st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=5)),
)
def test_random_bodies_never_500(
    world: Any, rule_set: RuleSet, agency: Any, body: Any, url: str
) -> None:
    client = Client()
    client.force_login(world.channel, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    if isinstance(body, dict) and "project" in body and body["project"] == 1:
        body["project"] = world.qujiang.pk
    res = client.post(url, json.dumps(body), content_type="application/json")
    assert res.status_code < 500, res.content
    if res.status_code >= 400:
        assert "detail" in res.json()
