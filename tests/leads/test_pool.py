"""The public pool (负极唤醒): silent and negative customers go to the pool; the former owner
cannot reclaim during the cooldown while another consultant can; claims are atomic."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.utils import timezone

from mediadesk.core.errors import Conflict
from mediadesk.leads import pool, services
from mediadesk.leads.models import Opportunity, Report, RuleSet
from tests.conftest import World, audit_actions
from tests.leads.desk_fixtures import capture, seat

pytestmark = pytest.mark.django_db


def _age(o: Opportunity, days: int) -> None:
    """Pretend the opportunity was assigned and last touched `days` ago."""
    then = timezone.now() - dt.timedelta(days=days)
    Opportunity.objects.filter(pk=o.pk).update(created_at=then, assigned_at=then)


def test_a_30_day_silent_customer_lands_in_the_pool_with_a_cooldown(
    world: World, seat_a: Any
) -> None:
    silent = capture(world, "13500000001", by=world.manager)
    fresh = capture(world, "13500000002", by=world.manager)
    _age(silent, 31)
    _age(fresh, 29)
    assert pool.sweep() == 1
    silent.refresh_from_db()
    fresh.refresh_from_db()
    assert silent.in_pool and not fresh.in_pool
    assert silent.consultant is None and silent.previous_consultant == world.sales_a
    assert silent.pool_reason == "30天未跟进"
    assert silent.cooldown_until - silent.pooled_at == dt.timedelta(days=30)
    assert audit_actions("opportunity", silent.pk)[-1] == "lead.pool_in"
    assert pool.sweep() == 0  # idempotent


def test_a_recent_follow_up_keeps_the_customer_out_of_the_pool(world: World, seat_a: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    _age(o, 40)
    services.add_follow_up(o, by=world.sales_a, kind="wechat", content="发了户型图")
    assert pool.sweep() == 0


def test_the_former_owner_cannot_reclaim_during_the_cooldown_but_another_can(
    world: World, seat_a: Any, login: Any
) -> None:
    o = capture(world, "13500000001", by=world.manager)
    _age(o, 31)
    pool.sweep()
    o.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        pool.claim(o, by=world.sales_a)
    assert "冷却期" in str(exc.value)
    response = login(world.sales_a).post(f"/leads/pool/{o.pk}/claim/", follow=True)
    assert "原归属顾问" in response.content.decode()
    other = seat(world, "c2")
    pool.claim(o, by=other.user)
    o.refresh_from_db()
    assert (o.in_pool, o.consultant) == (False, other.user)
    assert o.first_contact_due is not None
    assert audit_actions("opportunity", o.pk)[-1] == "lead.pool_claim"


def test_after_the_cooldown_the_former_owner_may_claim(world: World, seat_a: Any) -> None:
    RuleSet.objects.create(organisation=world.org, project=world.qujiang, pool_cooldown_days=0)
    o = capture(world, "13500000001", by=world.manager)
    pool.send_to_pool(o, reason="丢失")
    pool.claim(o, by=world.sales_a)
    o.refresh_from_db()
    assert o.consultant == world.sales_a


def test_only_consultants_of_the_project_can_claim(world: World, seat_a: Any, seat_b: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    pool.send_to_pool(o, reason="丢失")
    with pytest.raises(PermissionDenied):
        pool.claim(o, by=world.sales_b)


def test_negative_report_states_go_to_the_pool(world: World, seat_a: Any, agency: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    now = timezone.now()
    report = Report.objects.create(
        organisation=world.org, project=world.qujiang, channel=agency, reporter=world.channel,
        customer=o.customer, phone="13500000001", phone_prefix="135", phone_suffix="0001",
        reported_at=now, judged_at=now, result_code=0, status=Report.Status.VISIT_OVERDUE,
    )  # fmt: skip
    Opportunity.objects.filter(pk=o.pk).update(attributed_report=report)
    assert pool.sweep() == 1
    o.refresh_from_db()
    assert o.pool_reason == "到访逾期"


def test_a_new_touch_wakes_a_pooled_customer_but_not_back_to_the_owner(
    world: World, seat_a: Any
) -> None:
    other = seat(world, "c2")
    o = capture(world, "13500000001", by=world.manager)
    pool.send_to_pool(o, reason="丢失")
    capture(world, "13500000001", by=world.manager)
    o.refresh_from_db()
    assert not o.in_pool and o.consultant == other.user


def test_a_wake_up_campaign_assigns_and_skips_the_owner_in_cooldown(
    world: World, seat_a: Any, login: Any
) -> None:
    other = seat(world, "c2")
    a = capture(world, "13500000001", by=world.manager)
    b = capture(world, "13500000002", by=world.manager)
    services.assign_opportunity(b, to=other.user, by=world.manager, reason="x")
    for o in (a, b):
        pool.send_to_pool(o, reason="丢失")
    login(world.channel).post("/leads/pool/wake/", {
        "ids": [a.pk, b.pk], "consultants": [world.sales_a.pk], "reason": "春季唤醒",
        "action": "assign",
    })  # fmt: skip
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.in_pool and a.consultant is None  # sales_a is a's former owner, still cooling
    assert not b.in_pool and b.consultant == world.sales_a


def test_releasing_lets_channels_report_again(world: World, seat_a: Any, login: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    services.change_stage(o, by=world.sales_a, stage="lost", reason="失联")
    assert login(world.sales_a).post("/leads/pool/wake/", {"ids": [o.pk], "action": "release",
                                                           "reason": "x"}).status_code == 403  # fmt: skip
    login(world.channel).post(
        "/leads/pool/wake/", {"ids": [o.pk], "action": "release", "reason": "渠道再报备"}
    )
    o.refresh_from_db()
    assert (o.in_pool, o.stage, o.channel, o.consultant) == (False, "new", None, None)
    assert audit_actions("opportunity", o.pk)[-1] == "lead.pool_release"


def test_the_pool_page_shows_masked_numbers_to_consultants_of_the_project(
    world: World, seat_a: Any, seat_b: Any, login: Any
) -> None:
    o = capture(world, "13500000001", by=world.manager)
    pool.send_to_pool(o, reason="丢失")
    assert "135****0001" in login(world.sales_a).get("/leads/pool/").content.decode()
    assert "135****0001" not in login(world.sales_b).get("/leads/pool/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_consultants_claiming_at_once_yield_exactly_one_owner(world: World) -> None:
    first, second = seat(world, "c1"), seat(world, "c2")
    o = capture(world, "13500000001", by=world.manager)
    Opportunity.objects.filter(pk=o.pk).update(consultant=None)
    pool.send_to_pool(o, reason="丢失")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def claim(user: Any) -> None:
        barrier.wait()
        try:
            pool.claim(Opportunity.objects.get(pk=o.pk), by=user)
            results.append("won")
        except Conflict:
            results.append("lost")
        except Exception as exc:  # SQLite may refuse the loser's write outright
            results.append(type(exc).__name__)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=claim, args=(s.user,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1
    o.refresh_from_db()
    assert not o.in_pool and o.consultant_id in (first.user_id, second.user_id)
    assert audit_actions("opportunity", o.pk).count("lead.pool_claim") == 1
