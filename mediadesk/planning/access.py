"""Who may see and edit goals and tasks; scope checks of key results (UI and API alike)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from mediadesk.core import scopes
from mediadesk.core.scopes import require
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Project
from mediadesk.planning import perms
from mediadesk.planning.models import Goal, Task


def require_view(user: Any) -> None:
    require(scopes.has_perm(user, perms.VIEW), "没有查看目标与任务的权限")


def require_edit(user: Any) -> None:
    require(scopes.has_perm(user, perms.EDIT), "没有制定目标的权限")


def visible_goals(user: Any) -> QuerySet[Goal]:
    """Goals in the user's scopes (organisation-wide goals for every holder) plus their own."""
    q = scopes.scope_q(user, perms.VIEW, shared=True)
    return Goal.objects.filter(q | Q(owner_id=getattr(user, "pk", None)))


def my_tasks(user: Any) -> QuerySet[Task]:
    return Task.objects.filter(owner_id=user.pk)


def visible_tasks(user: Any) -> QuerySet[Task]:
    """A user's own tasks; managers (planning.edit org-wide) see their organisation's."""
    orgs = {
        g.organisation_id
        for g in scopes.grants(user)
        if not g.company_id and perms.EDIT in scopes.perms_of({g.role})
    }
    return Task.objects.filter(Q(owner_id=user.pk) | Q(organisation_id__in=orgs))


def scope_problems(user: Any, org_id: int, scope: dict[str, Any]) -> list[str]:
    """Why a key result's scope is not the user's to set (accounts, projects outside scope)."""
    problems = []
    if accounts := scope.get("accounts"):
        mine = Account.objects.filter(
            scopes.scope_q(user, perms.VIEW), organisation_id=org_id, pk__in=accounts
        ).count()
        if mine != len(set(accounts)):
            problems.append("账号超出您的权限范围")
    projects = scope.get("projects") or []
    if not all(_project_allowed(user, org_id, p) for p in projects):
        problems.append("项目超出您的权限范围")
    return problems


def _project_allowed(user: Any, org_id: int, project_id: Any) -> bool:
    project = Project.objects.filter(pk=project_id, organisation_id=org_id).first()
    if project is None:
        return False
    return any(
        g.organisation_id == org_id
        and (g.project_id or project.pk) == project.pk
        and (g.company_id or project.company_id) == project.company_id
        for g in scopes.grants(user)
        if perms.VIEW in scopes.perms_of({g.role})
    )
