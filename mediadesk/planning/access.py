"""Who may see and edit goals and tasks; scope checks of key results (UI and API alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mediadesk.core import scopes
from mediadesk.core.scopes import require
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Project
from mediadesk.planning import perms
from mediadesk.planning.models import Goal, Scorecard, Task


def require_view(user: Any) -> None:
    require(scopes.has_perm(user, perms.VIEW), _("没有查看目标与任务的权限"))


def require_edit(user: Any) -> None:
    require(scopes.has_perm(user, perms.EDIT), _("没有制定目标的权限"))


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


SCOPE_LABELS = {
    "accounts": _("账号"), "platforms": _("平台"), "series": _("栏目"), "campaign": _("营销节点"),
    "projects": _("项目"), "items": _("内容"), "person": _("人员"),
}  # fmt: skip
ID_KEYS = ("accounts", "series", "campaign", "projects", "items", "person")
MAX_SCOPE_VALUES = 500


def _values(scope: Mapping[str, Any], key: str) -> list[Any]:
    value = scope.get(key)
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(values: list[Any]) -> list[int] | None:
    """Positive integer ids (digits in text accepted), else None."""
    out = []
    for v in values:
        if isinstance(v, bool) or not str(v).isdigit() or not 0 < int(v) < 2**31:
            return None
        out.append(int(v))
    return out


def clean_scope(
    user: Any, org_id: int, metric: Any, scope: Any
) -> tuple[dict[str, Any], list[str]]:
    """A key result's scope as stored (ids as ints), and why it cannot be saved: unknown keys,
    keys the metric cannot filter by, malformed ids, records outside the user's scopes."""
    if not isinstance(scope, Mapping):
        return {}, [str(_("范围格式不正确"))]
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for key in scope:
        values = _values(scope, key)
        if not values:
            continue
        label = SCOPE_LABELS.get(key)
        if label is None:
            problems.append(_("未知范围：%(key)s") % {"key": key})
        elif metric is not None and key not in metric.scopes:
            problems.append(_("指标「%(metric)s」不能按%(scope)s限定范围") % {
                "metric": metric.label, "scope": label})  # fmt: skip
        elif len(values) > MAX_SCOPE_VALUES:
            problems.append(_("%(scope)s最多 %(n)s 个") % {"scope": label, "n": MAX_SCOPE_VALUES})
        elif key == "platforms":
            clean[key] = [str(v) for v in values]
        elif (ids := _ids(values)) is None:
            problems.append(_("%(scope)s应为编号") % {"scope": label})
        else:
            clean[key] = ids
    if not problems:
        problems = scope_problems(user, org_id, clean)
    return clean, problems


def _outside(model: Any, user: Any, org_id: int, ids: list[int]) -> bool:
    found = model.objects.filter(
        scopes.scope_q(user, perms.VIEW, shared=True), organisation_id=org_id, pk__in=ids
    ).count()
    return found != len(set(ids))


def scope_problems(user: Any, org_id: int, scope: Mapping[str, Any]) -> list[str]:
    """Why a key result's scope is not the user's to set (records outside their scopes)."""
    from mediadesk.content.models import ContentItem, MarketingNode, Series
    from mediadesk.matrix.models import Platform
    from mediadesk.orgs.models import User

    problems: list[Any] = []
    models = {"accounts": Account, "series": Series, "campaign": MarketingNode,
              "items": ContentItem}  # fmt: skip
    for key, model in models.items():
        if (ids := scope.get(key)) and _outside(model, user, org_id, ids):
            problems.append(_("%(scope)s超出您的权限范围") % {"scope": SCOPE_LABELS[key]})
    projects = scope.get("projects") or []
    if not all(_project_allowed(user, org_id, p) for p in projects):
        problems.append(_("项目超出您的权限范围"))
    codes = scope.get("platforms")
    if codes and Platform.objects.filter(code__in=codes).count() != len(set(codes)):
        problems.append(_("未知平台"))
    if people := scope.get("person"):
        others = set(people) - {getattr(user, "pk", None)}
        found = User.objects.filter(organisation_id=org_id, pk__in=people).count()
        if found != len(set(people)) or (others and not scopes.has_perm(user, perms.EDIT)):
            problems.append(_("人员超出您的权限范围"))
    return [str(p) for p in problems]


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


def managed_people(user: Any) -> QuerySet[Any]:
    """Whose scorecards a user may see and score: everyone in the organisation for an
    organisation-wide planning.edit grant, the people granted inside their companies/projects
    for a company or project one, else only themselves."""
    from mediadesk.orgs.models import User

    mine = User.objects.filter(pk=getattr(user, "pk", 0) or 0)
    grants = [g for g in scopes.grants(user) if perms.EDIT in scopes.perms_of({g.role})]
    if not grants:
        return mine
    org = user.organisation_id
    if any(not g.company_id and not g.project_id for g in grants):
        return User.objects.filter(organisation_id=org)
    q = Q(pk__in=[])
    for g in grants:
        q |= (Q(role_grants__project_id=g.project_id) if g.project_id
              else Q(role_grants__company_id=g.company_id))  # fmt: skip
    return User.objects.filter(Q(organisation_id=org) & (q | Q(pk=user.pk))).distinct()


def visible_cards(user: Any) -> QuerySet[Scorecard]:
    """A manager sees the cards of the people in their scope; everyone else their own."""
    qs = Scorecard.objects.filter(organisation_id=user.organisation_id)
    return qs.filter(person__in=managed_people(user).values("pk"))
