"""Reads of organisations, projects and users, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from mediadesk.core import scopes
from mediadesk.orgs.models import Company, Project, User


def visible_companies(user: Any) -> QuerySet[Company]:
    q = Q(pk__in=[])
    for g in scopes.grants(user):
        if g.project_id:
            q |= Q(projects__id=g.project_id)
        elif g.company_id:
            q |= Q(pk=g.company_id)
        else:
            q |= Q(organisation_id=g.organisation_id)
    return Company.objects.filter(q).distinct().order_by("name")


def visible_projects(user: Any) -> QuerySet[Project]:
    q = Q(pk__in=[])
    for g in scopes.grants(user):
        if g.project_id:
            q |= Q(pk=g.project_id)
        elif g.company_id:
            q |= Q(company_id=g.company_id)
        else:
            q |= Q(organisation_id=g.organisation_id)
    return Project.objects.filter(q).select_related("company").order_by("company__name", "name")


def colleagues(user: Any) -> QuerySet[User]:
    """Active users of the same organisation (for custodian and successor pickers)."""
    return User.objects.filter(
        organisation_id=getattr(user, "organisation_id", None), is_active=True
    ).order_by("username")
