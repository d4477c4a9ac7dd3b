"""Helpers of the desk tests (capture, allocation, SLA, pool); imported by the test modules."""

from __future__ import annotations

from typing import Any

from mediadesk.leads import services
from mediadesk.leads.models import Consultant, Opportunity, Source, Team
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Role
from tests.conftest import World, make_user


def capture(
    world: World,
    phone: str,
    *,
    project: Project | None = None,
    by: Any = None,
    source: str = Source.WALK_IN,
    **extra: Any,
) -> Opportunity:
    """Capture a lead and return the project's opportunity."""
    project = project or world.qujiang
    touch = services.capture_lead(
        organisation=world.org, project=project, phone=phone, source=source, by=by, **extra
    )
    return Opportunity.objects.get(project=project, customer=touch.customer)


def seat(
    world: World,
    username: str,
    *,
    project: Project | None = None,
    team: Team | None = None,
    **fields: Any,
) -> Consultant:
    """A new sales user with a consultant seat in `project` (曲江府 by default)."""
    project = project or world.qujiang
    user: User = make_user(username, world.org, (Role.SALES, project))
    return Consultant.objects.create(
        organisation=world.org, project=project, user=user, team=team, **fields
    )
