"""The engagement demo: every state, an SLA breach, a lead candidate, a library, a watch list
and a closed 二级 incident; a second run changes nothing."""

from __future__ import annotations

import pytest

from mediadesk.engagement.models import Incident, Message, StandardReply, Status, WatchTerm
from mediadesk.orgs import demo

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_a_breach_a_lead_and_a_closed_incident() -> None:
    demo.load()
    assert set(Message.objects.values_list("status", flat=True)) == set(Status.values)
    assert Message.objects.exclude(sla_breached_at=None).exists()
    assert Message.objects.filter(lead_candidate=True).exists()
    assert StandardReply.objects.filter(state="available").count() >= 8
    assert StandardReply.objects.filter(state="blocked").count() == 1
    assert WatchTerm.objects.count() == 3
    incident = Incident.objects.get(state="closed")
    assert incident.grade.level == 2 and incident.lessons and incident.events.count() >= 3
    before = Message.objects.count()
    demo.load()
    assert Message.objects.count() == before
