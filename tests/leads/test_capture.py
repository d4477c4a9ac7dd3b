"""Capture: one customer per phone per organisation, touches kept, opportunity per project,
protected source deadline, allocation on the first touch, and the quick-entry page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mediadesk.leads import services
from mediadesk.leads.models import Customer, Opportunity, RuleSet, Source, Touch
from tests.conftest import World, audit_actions
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db


def test_a_known_phone_adds_a_touch_never_a_second_customer(world: World, seat_a: Any) -> None:
    first = capture(world, "+86 135-1234-5678", by=world.sales_a, name="张先生")
    second = capture(world, "13512345678", source=Source.LIVE, by=world.manager, name="张三")

    assert Customer.objects.filter(organisation=world.org).count() == 1
    customer = Customer.objects.get()
    assert customer.phone == "13512345678" and customer.name == "张先生"
    assert first.pk == second.pk and second.source == Source.WALK_IN  # first source kept
    touches = list(Touch.objects.filter(customer=customer).order_by("captured_at", "id"))
    assert [t.source for t in touches] == [Source.WALK_IN, Source.LIVE]
    assert audit_actions("customer", customer.pk) == ["lead.capture", "lead.capture"]


def test_a_second_project_gets_its_own_opportunity(world: World, seat_a: Any, seat_b: Any) -> None:
    capture(world, "13512345678", by=world.manager)
    capture(world, "13512345678", project=world.yunjing, by=world.manager)
    customer = Customer.objects.get()
    assert Opportunity.objects.filter(customer=customer).count() == 2
    assert Opportunity.objects.get(project=world.yunjing).consultant == world.sales_b


@pytest.mark.parametrize("raw", ["1351234567", "23512345678", "abc", "135 1234 56789"])
def test_it_rejects_numbers_that_are_not_mainland_mobiles(world: World, raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        capture(world, raw, by=world.manager)
    assert "手机号" in str(exc.value)
    assert not Customer.objects.exists() and not Touch.objects.exists()


def test_capture_needs_the_permission_in_the_project(world: World) -> None:
    with pytest.raises(PermissionDenied):
        capture(world, "13512345678", project=world.yunjing, by=world.sales_a)
    with pytest.raises(PermissionDenied):
        capture(world, "13512345678", by=world.planner)
    assert not Customer.objects.exists()


def test_a_protected_source_sets_its_deadline(world: World, seat_a: Any) -> None:
    RuleSet.objects.create(
        organisation=world.org, project=world.qujiang, protected_sources={"phone_appointment": 15}
    )
    at = timezone.now() - dt.timedelta(hours=1)
    o = capture(world, "13512345678", by=world.manager, source=Source.PHONE_APPOINTMENT,
                captured_at=at)  # fmt: skip
    assert o.source_protected_until == at + dt.timedelta(days=15)
    walk_in = capture(world, "13600000000", by=world.manager)
    assert walk_in.source_protected_until is None


def test_the_touch_keeps_where_it_came_from(world: World, seat_a: Any, online_channel: Any) -> None:
    touch = services.capture_lead(
        organisation=world.org, project=world.qujiang, phone="13512345678", source=Source.LIVE,
        by=world.manager, channel=online_channel, live_session="3月3日晚场",
        utm={"source": "douyin", "medium": "live", "campaign": "spring"},
    )  # fmt: skip
    assert touch.channel == online_channel and touch.live_session_label == "3月3日晚场"
    assert (touch.utm_source, touch.utm_medium, touch.utm_campaign) == ("douyin", "live", "spring")
    assert Opportunity.objects.get().channel == online_channel


# --- the quick-entry page ---------------------------------------------------------------------


def test_quick_entry_page_creates_the_lead_and_opens_the_customer(
    world: World, seat_a: Any, login: Any
) -> None:
    client = login(world.sales_a)
    response = client.post("/leads/new/", {
        "phone": "135 1234 5678", "name": "李女士", "project": world.qujiang.pk,
        "source": Source.WALK_IN,
    })  # fmt: skip
    customer = Customer.objects.get(phone="13512345678")
    assert (
        response.status_code == 302 and response["Location"] == f"/leads/customers/{customer.pk}/"
    )
    assert Opportunity.objects.get(customer=customer).consultant == world.sales_a


def test_quick_entry_shows_the_phone_error_in_chinese(world: World, login: Any) -> None:
    response = login(world.sales_a).post(
        "/leads/new/", {"phone": "12345", "project": world.qujiang.pk, "source": "walk_in"}
    )
    assert response.status_code == 200
    assert "11 位大陆手机号" in response.content.decode()
    assert not Customer.objects.exists()


def test_duplicate_warning_shows_the_existing_customer_masked(
    world: World, seat_a: Any, login: Any
) -> None:
    capture(world, "13512345678", by=world.manager, name="王先生")
    body = login(world.sales_b).get("/leads/new/check-phone/?phone=13512345678").content.decode()
    assert "已存在客户" in body and "135****5678" in body and "13512345678" not in body
    # finding 10: a duplicate check says only that the customer exists, never who or whose
    assert "王先生" not in body
    for word in ("未分配", "公海", world.qujiang.name):
        assert word not in body


def test_quick_entry_is_refused_without_capture_permission(world: World, login: Any) -> None:
    assert login(world.planner).get("/leads/new/").status_code == 403


def test_another_organisation_cannot_capture_into_our_project(world: World, login: Any) -> None:
    response = login(world.outsider).post(
        "/leads/new/", {"phone": "13512345678", "project": world.qujiang.pk, "source": "walk_in"}
    )
    assert response.status_code == 200 and not Customer.objects.exists()


def test_anonymous_is_sent_to_login(client: Any, world: World) -> None:
    response = client.get("/leads/new/")
    assert response.status_code == 302 and "/login/" in response["Location"]
