"""POST /api/v1/leads (spec "Entry": forms and webhooks): one customer per phone, the touch
keeps where it came from, the opportunity is allocated; permissions and validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediadesk.leads.models import Campaign, Channel, Customer, Opportunity, Source, Touch
from mediadesk.orgs.models import Organisation
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"
KEYS = {"touch", "customer", "opportunity", "consultant"}


def post(client: Any, body: Any) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_capture_creates_one_customer_per_phone_and_allocates(
    world: Any, api: Any, seat_a: Any, online_channel: Any
) -> None:
    body = {
        "project": world.qujiang.pk, "phone": "+86 138-1234-5678", "source": Source.LIVE,
        "name": "王女士", "channel": online_channel.pk, "live_session": "3月3日晚场",
        "utm": {"source": "douyin", "campaign": "spring"},
        "captured_at": "2025-03-03T20:15:00+08:00",
    }  # fmt: skip
    res = post(api(world.channel), body)
    assert res.status_code == 201, res.content
    data = res.json()
    assert set(data) == KEYS and data["consultant"] == world.sales_a.pk
    customer = Customer.objects.get(pk=data["customer"])
    assert (customer.phone, customer.name, customer.organisation) == (
        "13812345678", "王女士", world.org,
    )  # fmt: skip
    touch = Touch.objects.get(pk=data["touch"])
    assert (touch.source, touch.channel, touch.live_session_label, touch.utm_source) == (
        Source.LIVE, online_channel, "3月3日晚场", "douyin",
    )  # fmt: skip
    assert touch.captured_at.isoformat() == "2025-03-03T12:15:00+00:00"
    opp = Opportunity.objects.get(pk=data["opportunity"])
    assert (opp.consultant, opp.customer) == (world.sales_a, customer)
    assert audit_actions("customer", customer.pk) == ["lead.capture"]
    again = post(api(world.sales_a), {**body, "source": Source.WALK_IN, "captured_at": None})
    assert again.status_code == 201, again.content
    assert again.json()["customer"] == customer.pk and again.json()["opportunity"] == opp.pk
    assert Customer.objects.filter(phone="13812345678").count() == 1
    assert Touch.objects.filter(customer=customer).count() == 2


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"phone": "1381234567"}, 400, "phone"),
        ({"phone": "23812345678"}, 400, "phone"),
        ({"source": "fax"}, 422, "source"),
        ({"captured_at": "2025-03-03T20:15:00"}, 422, "captured_at"),
        ({"captured_at": "2999-01-01T00:00:00+08:00"}, 422, "captured_at"),  # out of range
        ({"utm": {"source": "x" * 101}}, 422, "utm.source"),
        ({"channel": 999_999}, 400, "channel"),
        ({"campaign": 999_999}, 400, "campaign"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_bad_bodies_are_refused_with_the_field(
    world: Any, api: Any, change: dict[str, Any], status: int, field: str
) -> None:
    body = {"project": world.qujiang.pk, "phone": "13812345678", "source": Source.FORM, **change}
    res = post(api(world.channel), body)
    assert res.status_code == status, res.content
    assert field in {e["field"] for e in res.json()["errors"]}
    assert not Customer.objects.exists() and not Touch.objects.exists()


def test_permissions(world: Any, api: Any, client: Any) -> None:
    body = {"project": world.qujiang.pk, "phone": "13812345678", "source": Source.WALK_IN}
    assert post(client, body).status_code == 401
    wrong = post(api(world.sales_b), body)  # sales of 云境, not 曲江府
    assert wrong.status_code == 403 and set(wrong.json()) == {"detail", "errors"}
    assert post(api(world.planner), body).status_code == 403  # no leads.capture at all
    outsider = post(api(world.outsider), body)  # 曲江府 is another organisation's project
    assert outsider.status_code == 400 and outsider.json()["errors"][0]["field"] == "project"
    assert not Customer.objects.exists()
    assert post(api(world.sales_a), body).status_code == 201


def test_other_organisations_records_are_unknown(world: Any, api: Any) -> None:
    other = Organisation.objects.get(pk=world.outsider.organisation_id)
    foreign = Channel.objects.create(organisation=other, name="外部渠道", kind=Channel.Kind.AGENCY)
    campaign = Campaign.objects.create(
        organisation=world.org, project=world.yunjing, name="云境开盘", slug="yj-open"
    )
    body = {"project": world.qujiang.pk, "phone": "13812345678", "source": Source.FORM}
    res = post(api(world.channel), {**body, "channel": foreign.pk})
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "channel"
    res = post(api(world.channel), {**body, "campaign": campaign.pk})  # another project's form
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "campaign"
    assert not Touch.objects.exists() and not Customer.objects.exists()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
FIELDS = ["project", "phone", "source", "name", "channel", "account", "content_item", "variant",
          "live_session", "campaign", "utm", "captured_at"]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(JSONISH, st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=6)))
def test_random_bodies_never_500(world: Any, body: Any) -> None:
    client = Client()
    client.force_login(world.channel, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    if isinstance(body, dict):
        body.setdefault("project", world.qujiang.pk)
        body.setdefault("source", Source.FORM)
    res = client.post(URL, json.dumps(body), content_type="application/json")
    assert res.status_code < 500, res.content
    if res.status_code >= 400:
        assert "detail" in res.json()


def test_back_dating_a_capture_needs_the_import_permission(
    world: Any, api: Any, seat_a: Any
) -> None:
    """Finding 11: like reported_at/visited_at, a past captured_at is for importers only."""
    body = {"project": world.qujiang.pk, "phone": "13812345678", "source": Source.WALK_IN}
    res = post(api(world.sales_a), {**body, "captured_at": "2025-03-03T20:15:00+08:00"})
    assert res.status_code == 403, res.content
    res = post(api(world.sales_a), {**body, "captured_at": "0001-01-01T00:00:00+08:00"})
    assert res.status_code == 422, res.content  # outside the supported range (core.dates)
    assert not Customer.objects.exists() and not Touch.objects.exists()
