"""Reads of organisations, projects and users, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Perm, perms_of


def _grants(user: Any, perm: str | None) -> list[scopes.Grant]:
    grants = scopes.grants(user)
    return grants if perm is None else [g for g in grants if perm in perms_of({g.role})]


def visible_companies(user: Any, *, perm: str | None = None) -> QuerySet[Company]:
    """Companies within the user's scopes (only those where they hold `perm`, if given);
    a project grant offers its company."""
    q = Q(pk__in=[])
    for g in _grants(user, perm):
        if g.project_id:
            q |= Q(projects__id=g.project_id)
        elif g.company_id:
            q |= Q(pk=g.company_id)
        else:
            q |= Q(organisation_id=g.organisation_id)
    return Company.objects.filter(q).distinct().order_by("name")


def visible_projects(user: Any, *, perm: str | None = None) -> QuerySet[Project]:
    """Projects within the user's scopes (only those where they hold `perm`, if given)."""
    q = Q(pk__in=[])
    for g in _grants(user, perm):
        if g.project_id:
            q |= Q(pk=g.project_id)
        elif g.company_id:
            q |= Q(company_id=g.company_id)
        else:
            q |= Q(organisation_id=g.organisation_id)
    return Project.objects.filter(q).select_related("company").order_by("company__name", "name")


def colleagues(user: Any) -> QuerySet[User]:
    """Active users of the same organisation (for custodian and successor pickers)."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=organisation_id, is_active=True).order_by("username")


def administered_organisation_ids(user: Any) -> set[int]:
    """Organisations in which `user` holds users.manage organisation-wide (admins)."""
    return {
        g.organisation_id
        for g in scopes.grants(user)
        if g.company_id is None and g.project_id is None and Perm.USERS_MANAGE in perms_of({g.role})
    }


def is_org_admin(user: Any, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id in administered_organisation_ids(user)


def manageable_users(user: Any) -> QuerySet[User]:
    """Users of the organisations `user` administers; the user-admin pages start from this."""
    return User.objects.filter(
        organisation_id__in=administered_organisation_ids(user)
    ).prefetch_related(
        Prefetch(
            "role_grants",
            queryset=RoleGrant.objects.select_related("organisation", "company", "project"),
        )
    )


def filter_users(qs: QuerySet[User], params: Any) -> QuerySet[User]:
    """The user list filters (role, company, project, status, keyword), shared by page,
    export and API."""
    from mediadesk.orgs.filters import UserFilters

    return UserFilters.from_query(params).sorted(qs)


def require_admin(user: Any) -> Organisation:
    """The organisation `user` administers (user and structure management); 403 otherwise."""
    if not is_org_admin(user, user.organisation_id):
        raise PermissionDenied(_("只有系统管理员可以管理用户和组织架构"))
    return user.organisation


def organisation_structure(organisation_id: int) -> QuerySet[Company]:
    """The organisation's companies with their projects, for the structure page and pickers."""
    return (
        Company.objects.filter(organisation_id=organisation_id)
        .prefetch_related("projects")
        .order_by("name")
    )
