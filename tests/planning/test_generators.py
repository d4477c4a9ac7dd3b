"""A lead past its first-contact SLA becomes the consultant's task and closes on contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.leads import sla
from mediadesk.leads.models import Opportunity
from mediadesk.planning import generators
from mediadesk.planning.models import Task
from tests.conftest import World
from tests.leads.conftest import seat_a, supervisor_qj, team_qj  # noqa: F401
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db


def test_an_overdue_lead_is_a_task_until_contacted(world: World, seat_a: Any) -> None:  # noqa: F811
    o = capture(world, "13500000001", by=world.manager)
    sla.check(o.first_contact_due + dt.timedelta(minutes=1))
    generators.sync_all()
    task = Task.objects.get(source="lead_sla")
    assert (
        task.owner == world.sales_a
        and task.important
        and task.urgent
        and o.customer.phone not in task.title
    )
    generators.sync_all()
    assert Task.objects.filter(source="lead_sla").count() == 1
    Opportunity.objects.filter(pk=o.pk).update(first_contact_at=timezone.now())
    generators.sync_all()
    task.refresh_from_db()
    assert task.status == "done" and task.closed_at is not None
