"""The desk: allocation strategies, (re)assignment, follow-up, stages, who sees which
customer, phone masking and reveals, export, handover."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from mediadesk.core.models import AuditEntry
from mediadesk.leads import services
from mediadesk.leads.models import (
    AllocationRule,
    Consultant,
    FollowUp,
    Opportunity,
    Source,
    Stage,
    Team,
)
from mediadesk.notifications.models import Notification
from mediadesk.orgs import services as org_services
from tests.conftest import World, audit_actions
from tests.leads.desk_fixtures import capture, seat

pytestmark = pytest.mark.django_db
Strategy = AllocationRule.Strategy


def _rule(world: World, strategy: str, source: str = "") -> None:
    AllocationRule.objects.create(project=world.qujiang, source=source, strategy=strategy)


def _owners(world: World, phones: list[str], **kw: Any) -> list[str]:
    return [capture(world, p, by=world.manager, **kw).consultant.username for p in phones]


PHONES = [f"1350000000{i}" for i in range(6)]


# --- allocation ---------------------------------------------------------------------------------


def test_round_robin_takes_turns_and_skips_off_duty(world: World) -> None:
    seat(world, "c1")
    seat(world, "c2")
    seat(world, "c3", on_duty=False)
    assert _owners(world, PHONES[:4]) == ["c1", "c2", "c1", "c2"]
    first = Opportunity.objects.get(customer__phone=PHONES[0])
    assert first.assigned_at is not None
    assert first.first_contact_due == first.assigned_at + dt.timedelta(minutes=30)
    assert "lead.assign" in audit_actions("opportunity", first.pk)
    note = Notification.objects.get(
        recipient__username="c1", kind="lead.assigned", url__contains=str(first.customer_id)
    )
    assert "30 分钟" in note.body and "135****0000" in note.body


def test_daily_cap_skips_a_full_consultant_and_then_leaves_it_unassigned(world: World) -> None:
    seat(world, "c1", daily_cap=1)
    seat(world, "c2", daily_cap=2)
    assert _owners(world, PHONES[:3]) == ["c1", "c2", "c2"]
    late = capture(world, PHONES[3], by=world.manager)
    assert late.consultant is None
    assert audit_actions("opportunity", late.pk) == ["lead.unassigned"]


def test_fewest_open_leads_goes_to_the_least_loaded(world: World) -> None:
    busy = seat(world, "busy")
    seat(world, "idle")
    for phone in PHONES[:2]:
        o = capture(world, phone, by=world.manager)
        services.assign_opportunity(o, to=busy.user, by=world.manager, reason="老客户")
    _rule(world, Strategy.FEWEST_OPEN)
    assert _owners(world, PHONES[2:4]) == ["idle", "idle"]
    assert _owners(world, PHONES[4:5]) == ["busy"]  # 2 against 2: the longest-waiting seat


def test_weighted_shares_follow_the_weights(world: World) -> None:
    seat(world, "heavy", weight=2)
    seat(world, "light", weight=1)
    _rule(world, Strategy.WEIGHTED)
    owners = _owners(world, PHONES)
    assert owners.count("heavy") == 4 and owners.count("light") == 2


def test_online_leads_go_to_the_online_group(world: World, supervisor_qj: Any) -> None:
    online = Team.objects.create(
        organisation=world.org, project=world.qujiang, name="线上组", supervisor=supervisor_qj,
        is_online=True,
    )  # fmt: skip
    seat(world, "site")
    seat(world, "web", team=online)
    assert _owners(world, PHONES[:2], source=Source.LIVE) == ["web", "web"]
    assert _owners(world, PHONES[2:3], source=Source.WALK_IN) == ["site"]


def test_manual_strategy_leaves_leads_for_a_manager(world: World) -> None:
    seat(world, "c1")
    _rule(world, Strategy.MANUAL, source=Source.EVENT)
    assert capture(world, PHONES[0], by=world.manager, source=Source.EVENT).consultant is None
    assert capture(world, PHONES[1], by=world.manager).consultant.username == "c1"


def test_reassignment_needs_a_reason_and_is_audited(world: World, seat_a: Any) -> None:
    other = seat(world, "c2")
    o = capture(world, PHONES[0], by=world.manager)
    assert o.consultant == world.sales_a
    with pytest.raises(ValidationError):
        services.assign_opportunity(o, to=other.user, by=world.manager)
    with pytest.raises(PermissionDenied):
        services.assign_opportunity(o, to=other.user, by=world.sales_a, reason="x")
    services.assign_opportunity(o, to=other.user, by=world.manager, reason="客户要求换顾问")
    o.refresh_from_db()
    assert o.consultant == other.user and o.team is None
    entry = AuditEntry.objects.filter(action="lead.assign", target_id=str(o.pk)).latest("id")
    assert entry.changes["reason"] == [None, "客户要求换顾问"] and entry.actor_label == "manager"


def test_only_a_consultant_of_the_project_can_receive_a_lead(world: World, seat_a: Any) -> None:
    o = capture(world, PHONES[0], by=world.manager)
    with pytest.raises(ValidationError):
        services.assign_opportunity(o, to=world.sales_b, by=world.manager, reason="试试")


# --- follow-up and stages -----------------------------------------------------------------------


def test_the_first_follow_up_sets_first_contact_and_stage(world: World, seat_a: Any) -> None:
    o = capture(world, PHONES[0], by=world.manager)
    nxt = timezone.now() + dt.timedelta(days=2)
    services.add_follow_up(o, by=world.sales_a, kind=FollowUp.Kind.CALL, content="意向三居",
                           call_seconds=185, next_contact_at=nxt, intent="A")  # fmt: skip
    o.refresh_from_db()
    assert o.first_contact_at is not None and o.first_contact_due is None
    assert (o.stage, o.intent, o.next_contact_at) == (Stage.CONTACTED, "A", nxt)
    assert FollowUp.objects.get().call_seconds == 185
    assert audit_actions("opportunity", o.pk)[-1] == "lead.follow_up"


def test_follow_up_rejects_bad_input_and_strangers(world: World, seat_a: Any, seat_b: Any) -> None:
    o = capture(world, PHONES[0], by=world.manager)
    with pytest.raises(ValidationError) as exc:
        services.add_follow_up(o, by=world.sales_a, kind="fax", content="", intent="E")
    assert set(exc.value.message_dict) == {"kind", "content", "intent"}
    with pytest.raises(PermissionDenied):
        services.add_follow_up(o, by=world.sales_b, kind="call", content="抢单")
    assert not FollowUp.objects.exists()


def test_lost_needs_a_reason_and_sends_the_customer_to_the_pool(world: World, seat_a: Any) -> None:
    o = capture(world, PHONES[0], by=world.manager)
    with pytest.raises(ValidationError):
        services.change_stage(o, by=world.sales_a, stage=Stage.LOST)
    with pytest.raises(ValidationError):
        services.change_stage(o, by=world.sales_a, stage=Stage.SIGNED)
    services.change_stage(o, by=world.sales_a, stage=Stage.LOST, reason="已在别处购房")
    o.refresh_from_db()
    assert (o.stage, o.stage_reason, o.in_pool, o.consultant) == (
        Stage.LOST,
        "已在别处购房",
        True,
        None,
    )
    assert o.previous_consultant == world.sales_a
    assert audit_actions("opportunity", o.pk)[-2:] == ["lead.stage", "lead.pool_in"]


# --- visibility and masking ---------------------------------------------------------------------


@pytest.fixture
def two_customers(world: World, seat_a: Any) -> tuple[Opportunity, Opportunity]:
    mine = capture(world, "13511112222", by=world.manager, name="甲")
    theirs = capture(world, "13533334444", by=world.manager, name="乙")
    other = seat(world, "sales_c")
    services.assign_opportunity(theirs, to=other.user, by=world.manager, reason="分给C")
    return mine, theirs


def test_sales_see_only_their_own_customers_with_full_numbers(
    world: World, login: Any, two_customers: Any
) -> None:
    _mine, theirs = two_customers
    client = login(world.sales_a)
    body = client.get("/leads/").content.decode()
    assert "13511112222" in body and "甲" in body
    assert "乙" not in body and "3333" not in body
    assert client.get(f"/leads/customers/{theirs.customer_id}/").status_code == 404
    assert client.post(f"/leads/opportunities/{theirs.pk}/follow-up/",
                       {"kind": "call", "content": "x"}).status_code == 404  # fmt: skip
    assert not FollowUp.objects.exists()
    assert client.post(f"/leads/customers/{theirs.customer_id}/reveal/").status_code == 404


def test_a_supervisor_sees_the_team_and_managers_see_all_masked(
    world: World, login: Any, two_customers: Any, supervisor_qj: Any
) -> None:
    body = login(supervisor_qj).get("/leads/").content.decode()
    assert "甲" in body and "乙" not in body and "135****2222" in body
    body = login(world.channel).get("/leads/").content.decode()
    assert "135****2222" in body and "135****4444" in body and "13511112222" not in body
    assert login(world.sales_b).get("/leads/").content.decode().count("135****") == 0


def test_entitled_users_reveal_the_number_and_it_is_audited(
    world: World, login: Any, two_customers: Any
) -> None:
    mine, _ = two_customers
    url = f"/leads/customers/{mine.customer_id}/"
    page = login(world.channel).get(url).content.decode()
    assert "135****2222" in page and "显示完整号码" in page and "13511112222" not in page
    response = login(world.channel).post(url + "reveal/")
    assert response.status_code == 200 and "13511112222" in response.content.decode()
    entry = AuditEntry.objects.get(action="lead.reveal", target_id=str(mine.customer_id))
    assert entry.actor_label == "channel" and entry.changes["phone"] == [None, "135****2222"]
    # a supervisor (sales role, no leads.phone) cannot reveal another consultant's customer
    sup = Consultant.objects.get(user=world.sales_a).team.supervisor
    assert login(sup).post(url + "reveal/").status_code == 403


def test_export_is_audited_and_masked_unless_entitled(
    world: World, login: Any, two_customers: Any
) -> None:
    response = login(world.channel).get("/leads/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    phones = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert phones == {"13511112222", "13533334444"}
    assert AuditEntry.objects.filter(action="lead.export", actor__username="channel").exists()
    assert login(world.sales_a).get("/leads/export.xlsx").status_code == 403


def test_list_filters_by_last_four_digits_and_stage(
    world: World, login: Any, two_customers: Any
) -> None:
    client = login(world.manager)
    assert "乙" not in client.get("/leads/?q=2222").content.decode()
    assert "甲" in client.get("/leads/?q=2222").content.decode()
    assert "甲" not in client.get("/leads/?stage=contacted").content.decode()
    assert "没有符合条件的客户" in client.get("/leads/?stage=contacted").content.decode()


def test_the_list_query_count_does_not_grow_with_rows(
    world: World, login: Any, seat_a: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        capture(world, f"135000011{i:02d}", by=world.manager)
    client = login(world.manager)
    with django_assert_max_num_queries(16):
        assert client.get("/leads/").status_code == 200


def test_brokers_are_sent_to_the_portal(world: World, login: Any, broker: Any) -> None:
    assert login(broker).get("/leads/")["Location"] == "/leads/portal/"
    assert login(broker).get("/")["Location"] == "/leads/portal/"


def test_the_desk_refuses_users_without_leads_roles(world: World, login: Any) -> None:
    assert login(world.planner).get("/leads/").status_code == 403


def test_another_organisation_sees_none_of_our_customers(
    world: World, login: Any, two_customers: Any
) -> None:
    mine, _ = two_customers
    client = login(world.outsider)
    assert "甲" not in client.get("/leads/").content.decode()
    assert client.get(f"/leads/customers/{mine.customer_id}/").status_code == 404


# --- assignment page and handover -------------------------------------------------------------


def test_the_assign_page_reassigns_with_a_reason(world: World, login: Any, seat_a: Any) -> None:
    other = seat(world, "c2")
    o = capture(world, PHONES[0], by=world.manager)
    client = login(world.channel)
    response = client.post(f"/leads/opportunities/{o.pk}/assign/", {"consultant": other.user_id})
    assert response.status_code == 200 and "改派客户必须填写原因" in response.content.decode()
    client.post(
        f"/leads/opportunities/{o.pk}/assign/", {"consultant": other.user_id, "reason": "休假"}
    )
    o.refresh_from_db()
    assert o.consultant == other.user
    assert login(world.sales_a).get(f"/leads/opportunities/{o.pk}/assign/").status_code == 404


def test_a_leaving_consultant_hands_open_customers_to_the_successor(
    world: World, seat_a: Any
) -> None:
    o = capture(world, PHONES[0], by=world.manager)
    successor = seat(world, "heir").user
    org_services.deactivate_user(world.sales_a, by=world.admin, successor=successor)
    o.refresh_from_db()
    assert o.consultant == successor
    entry = AuditEntry.objects.filter(action="lead.assign", target_id=str(o.pk)).latest("id")
    assert entry.changes["reason"] == [None, "离职交接"]
