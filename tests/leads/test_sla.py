"""First-contact SLA: flag → notify the consultant → escalate to the supervisor → automatic
reassignment (audited with its reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.core.models import AuditEntry
from mediadesk.core.periodic import JOBS
from mediadesk.leads import services, sla
from mediadesk.leads.models import RuleSet
from mediadesk.notifications.models import Notification
from tests.conftest import World, audit_actions
from tests.leads.desk_fixtures import capture, seat

pytestmark = pytest.mark.django_db


def test_an_overdue_lead_is_flagged_escalated_and_reassigned(
    world: World, seat_a: Any, supervisor_qj: Any
) -> None:
    o = capture(world, "13500000001", by=world.manager)
    backup = seat(world, "backup")  # joins after the first allocation
    due = o.first_contact_due
    assert sla.check(due - dt.timedelta(minutes=1)) == {"flagged": 0, "escalated": 0}

    assert sla.check(due + dt.timedelta(minutes=1)) == {"flagged": 1, "escalated": 0}
    o.refresh_from_db()
    assert o.sla_breached_at is not None and o.consultant == world.sales_a
    assert Notification.objects.filter(recipient=world.sales_a, kind="lead.sla").count() == 1
    assert sla.check(due + dt.timedelta(minutes=2)) == {"flagged": 0, "escalated": 0}

    assert sla.check(due + dt.timedelta(minutes=32)) == {"flagged": 0, "escalated": 1}
    o.refresh_from_db()
    assert o.consultant == backup.user and o.sla_breached_at is None
    assert Notification.objects.filter(recipient=supervisor_qj, kind="lead.sla_escalated").exists()
    assert audit_actions("opportunity", o.pk)[-3:] == [
        "lead.sla_breach", "lead.sla_escalate", "lead.assign",
    ]  # fmt: skip
    entry = AuditEntry.objects.filter(action="lead.assign", target_id=str(o.pk)).latest("id")
    assert entry.changes["reason"] == [None, "首次联系超时自动改派"]
    assert entry.actor_label == "系统"


def test_without_auto_reassign_the_lead_stays_and_only_escalates(
    world: World, seat_a: Any, supervisor_qj: Any
) -> None:
    RuleSet.objects.create(
        organisation=world.org, project=world.qujiang, sla_auto_reassign=False,
        first_contact_minutes=10,
    )  # fmt: skip
    o = capture(world, "13500000001", by=world.manager)
    seat(world, "backup")
    assert o.first_contact_due - o.assigned_at == dt.timedelta(minutes=10)
    sla.check(o.first_contact_due + dt.timedelta(minutes=1))
    sla.check(o.first_contact_due + dt.timedelta(minutes=12))
    o.refresh_from_db()
    assert o.consultant == world.sales_a and o.escalated_at is not None


def test_a_contacted_lead_is_never_flagged(world: World, seat_a: Any) -> None:
    o = capture(world, "13500000001", by=world.manager)
    services.add_follow_up(o, by=world.sales_a, kind="call", content="已接通", call_seconds=60)
    assert sla.check(timezone.now() + dt.timedelta(hours=5)) == {"flagged": 0, "escalated": 0}


def test_the_sla_list_filter_shows_overdue_leads(world: World, seat_a: Any, login: Any) -> None:
    o = capture(world, "13500000001", by=world.manager, name="超时客户")
    on_time = capture(world, "13500000002", by=world.manager, name="按时客户")
    on_time_due = o.first_contact_due + dt.timedelta(hours=1)
    type(on_time).objects.filter(pk=on_time.pk).update(first_contact_due=on_time_due)
    sla.check(o.first_contact_due + dt.timedelta(minutes=1))
    body = login(world.sales_a).get("/leads/?overdue=1").content.decode()
    assert "超时客户" in body and "按时客户" not in body


def test_the_jobs_are_registered() -> None:
    assert {"leads.sla_check", "leads.pool_sweep"} <= set(JOBS)
