"""Role-within-scope resolution: the one mechanism every app's queries and access checks use.

A grant (user, role, scope) gives the role's permissions over records whose organisation,
company or project matches the scope. Records that belong to the organisation as a whole
(no company) are visible to anyone with the permission anywhere in that organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mediadesk.orgs.roles import perms_of


@dataclass(frozen=True)
class Grant:
    role: str
    organisation_id: int
    company_id: int | None
    project_id: int | None


def grants(user: Any) -> list[Grant]:
    """The user's active role grants, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_grants_cache", None)
    if cached is None:
        cached = [
            Grant(g.role, g.organisation_id, g.company_id, g.project_id)
            for g in user.role_grants.all()
        ]
        user._grants_cache = cached
    return cached


def roles(user: Any) -> set[str]:
    return {g.role for g in grants(user)}


def has_perm(user: Any, perm: str) -> bool:
    """True if any of the user's grants gives `perm` somewhere."""
    return any(perm in perms_of({g.role}) for g in grants(user))


def _grants_with(user: Any, perm: str) -> list[Grant]:
    return [g for g in grants(user) if perm in perms_of({g.role})]


def scope_q(user: Any, perm: str, *, prefix: str = "", shared: bool = False) -> Q:
    """A filter for records in the scopes where `user` holds `perm`.

    `prefix` points at the object holding organisation/company/project (e.g. "account__").
    `shared`: organisation-wide records (no company) are included for any holder of `perm`.
    """
    q = Q(pk__in=[])
    for g in _grants_with(user, perm):
        if g.project_id:
            q |= Q(**{f"{prefix}project_id": g.project_id})
        elif g.company_id:
            q |= Q(**{f"{prefix}company_id": g.company_id})
        else:
            q |= Q(**{f"{prefix}organisation_id": g.organisation_id})
        if shared and (g.project_id or g.company_id):
            q |= Q(
                **{f"{prefix}organisation_id": g.organisation_id, f"{prefix}company__isnull": True}
            )
    return q


def _in_scope(
    g: Grant, organisation_id: int, company_id: int | None, project_id: int | None
) -> bool:
    if g.organisation_id != organisation_id:
        return False
    if g.project_id:
        return project_id == g.project_id
    if g.company_id:
        return company_id == g.company_id
    return True


def allows(user: Any, perm: str, obj: Model, *, shared: bool = False) -> bool:
    """True if `user` holds `perm` in a scope containing `obj` (which has org/company/project)."""
    org_id = obj.organisation_id  # type: ignore[attr-defined]
    company_id = getattr(obj, "company_id", None)
    project_id = getattr(obj, "project_id", None)
    for g in _grants_with(user, perm):
        if _in_scope(g, org_id, company_id, project_id):
            return True
        if shared and company_id is None and g.organisation_id == org_id:
            return True
    return False


def holds_role(user: Any, role_codes: Iterable[str], obj: Model) -> bool:
    """True if `user` holds one of `role_codes` in a scope containing `obj` (review steps)."""
    wanted = set(role_codes)
    org_id = obj.organisation_id  # type: ignore[attr-defined]
    company_id = getattr(obj, "company_id", None)
    project_id = getattr(obj, "project_id", None)
    return any(
        g.role in wanted and _in_scope(g, org_id, company_id, project_id) for g in grants(user)
    )


def organisation_ids(user: Any) -> set[int]:
    return {g.organisation_id for g in grants(user)}


def get_or_404[M: Model](queryset: QuerySet[M], pk: Any) -> M:
    """Fetch one row of an already scoped queryset, hiding rows outside the scope as 404."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


NO_PERMISSION = _("没有权限执行此操作")


def require(condition: bool, message: str | Promise = NO_PERMISSION) -> None:
    if not condition:
        raise PermissionDenied(message)
