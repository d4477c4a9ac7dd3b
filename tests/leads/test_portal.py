"""The channel portal: a broker reports customers under their own channel and sees only
their own reports; nothing else of the desk. Channel and broker administration."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mediadesk.core.models import AuditEntry
from mediadesk.leads import services
from mediadesk.leads.models import Broker, Channel, Report
from mediadesk.orgs.models import RoleGrant, User
from mediadesk.orgs.roles import Role
from tests.conftest import World
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db


def test_a_broker_reports_under_the_own_channel(
    world: World, login: Any, broker: Any, agency: Channel, rule_set: Any
) -> None:
    client = login(broker)
    response = client.post(
        "/leads/portal/report/", {"phone": "13512345678", "project": world.qujiang.pk}
    )
    assert response.status_code == 302 and response["Location"] == "/leads/portal/"
    report = Report.objects.get()
    assert report.channel == agency and report.broker == broker.broker
    body = client.get("/leads/portal/").content.decode()
    assert "135****5678" in body and "报备成功" in body and "13512345678" not in body


def test_a_broker_sees_only_the_own_reports(
    world: World, login: Any, broker: Any, broker_b: Any, rule_set: Any
) -> None:
    other = Client()
    other.force_login(broker_b)
    other.post("/leads/portal/report/", {"phone": "13511112222", "project": world.qujiang.pk})
    assert Report.objects.filter(broker__user=broker_b).count() == 1
    body = login(broker).get("/leads/portal/").content.decode()
    assert "2222" not in body and "还没有报备" in body


def test_a_broker_cannot_open_the_desk(world: World, login: Any, broker: Any, seat_a: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    client = login(broker)
    assert client.get("/leads/")["Location"] == "/leads/portal/"
    for url in (f"/leads/customers/{o.customer_id}/", "/leads/pool/", "/leads/new/",
                "/leads/export.xlsx", "/leads/channels/"):  # fmt: skip
        assert client.get(url).status_code in (403, 404), url


def test_staff_without_a_broker_row_cannot_use_the_portal(world: World, login: Any) -> None:
    assert login(world.channel).get("/leads/portal/").status_code == 403


def test_a_deactivated_broker_is_locked_out(
    world: World, login: Any, broker: Any, client: Any
) -> None:
    login(world.channel).post(f"/leads/brokers/{broker.broker.pk}/deactivate/")
    broker.refresh_from_db()
    assert not broker.is_active and not Broker.objects.get(user=broker).is_active
    assert AuditEntry.objects.filter(action="broker.deactivate").exists()


def test_a_channel_manager_creates_a_broker_login(
    world: World, login: Any, agency: Channel
) -> None:
    response = login(world.channel).post("/leads/brokers/new/", {
        "channel": agency.pk, "project": world.qujiang.pk, "username": "agent007",
        "display_name": "刘经纪", "phone_number": "13700009999", "password": "Pa55-word-long!",
    })  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="agent007")
    assert user.broker.channel == agency
    assert RoleGrant.objects.get(user=user).role == Role.BROKER
    entry = AuditEntry.objects.get(action="broker.create")
    assert entry.changes["phone"] == [None, "137****9999"]
    assert login(world.sales_a).get("/leads/brokers/new/").status_code == 403


def test_channels_are_created_and_names_stay_unique(world: World, login: Any) -> None:
    client = login(world.channel)
    client.post("/leads/channels/new/", {"name": "中介A", "kind": "agency", "is_active": "on"})
    again = client.post("/leads/channels/new/", {"name": "中介A", "kind": "agency"})
    assert "已有渠道" in again.content.decode()
    assert Channel.objects.filter(name="中介A").count() == 1
    with pytest.raises(Exception):
        services.save_channel(None, by=world.sales_a, organisation=world.org,
                              values={"name": "x", "kind": "agency"})  # fmt: skip
