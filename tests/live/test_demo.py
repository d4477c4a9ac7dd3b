"""The live demo: a month on the level-1 抖音 account in every state, a city-leader session
with offers, figures, leads and a finished review; loading twice adds nothing."""

from __future__ import annotations

from mediadesk.leads.models import Touch
from mediadesk.live import demo
from mediadesk.live.models import Figures, Review, Session, SessionType, Status
from mediadesk.orgs import demo as org_demo
from mediadesk.orgs.models import Project


def test_demo_has_every_state_and_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    loaded = org_demo.load()  # runs the registered demo loaders, the live one included
    org = loaded["organisation"]
    sessions = Session.objects.filter(organisation=org)
    assert set(sessions.values_list("status", flat=True)) == set(Status.values)
    leader = sessions.get(type=SessionType.LEADER)
    assert leader.offers.exists()
    assert Figures.objects.filter(session__organisation=org).exists()
    assert Review.objects.filter(session__organisation=org).exists()
    assert Touch.objects.filter(live_session__organisation=org).count() >= 2
    count = sessions.count()
    projects = {p.name: p for p in Project.objects.filter(organisation=org)}
    demo.load(org=org, company=None, projects=projects, users=loaded["users"])
    assert Session.objects.filter(organisation=org).count() == count
