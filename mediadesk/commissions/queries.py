"""Reads of the commissions app: who sees which statements, schemes and incentives.

Everyone sees their own statements; commissions.view sees every statement in its scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from mediadesk.commissions.filters import FigureFilters, SchemeFilters, StatementFilters
from mediadesk.commissions.models import Incentive, Line, LiveSessionFigure, Scheme, Statement
from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm, perms_of


def project_scope_q(user: Any, perm: str) -> Q:
    """A filter on Project for the projects where `user` holds `perm`."""
    q = Q(pk__in=[])
    for g in scopes.grants(user):
        if perm not in perms_of({g.role}):
            continue
        if g.project_id:
            q |= Q(pk=g.project_id)
        elif g.company_id:
            q |= Q(company_id=g.company_id)
        else:
            q |= Q(organisation_id=g.organisation_id)
    return q


def projects_for(user: Any, perm: str) -> QuerySet[Project]:
    return Project.objects.filter(project_scope_q(user, perm)).select_related("company")


def can_view_all(user: Any) -> bool:
    return scopes.has_perm(user, Perm.COMMISSIONS_VIEW)


def can_manage(user: Any) -> bool:
    return scopes.has_perm(user, Perm.COMMISSIONS_MANAGE)


def require_view_all(user: Any) -> None:
    scopes.require(can_view_all(user) or can_manage(user), _("没有查看佣金结算的权限"))


def require_manage(user: Any) -> None:
    scopes.require(can_manage(user), _("没有管理佣金方案与激励的权限"))


def visible_statements(user: Any) -> QuerySet[Statement]:
    """Statements `user` may read: their own, and every one in their commissions.view scope."""
    if not getattr(user, "is_authenticated", False):
        return Statement.objects.none()
    q = Q(person_id=user.pk) | scopes.scope_q(user, Perm.COMMISSIONS_VIEW)
    return Statement.objects.filter(q).select_related("project", "person", "channel")


def own_statements(user: Any) -> QuerySet[Statement]:
    return visible_statements(user).filter(person_id=user.pk).order_by("-month", "project__name")


def access_statement(user: Any, pk: Any) -> Statement:
    """One statement `user` may read, else 404 (others' statements do not exist for them)."""
    return scopes.get_or_404(visible_statements(user), pk)


def statement_lines(statement: Statement) -> QuerySet[Line]:
    return statement.lines.select_related(
        "deal", "deal__customer", "scheme", "incentive", "created_by", "moved_from"
    ).order_by("kind", "deal__unit_label", "stage", "id")


def filter_statements(qs: QuerySet[Statement], params: Mapping[str, Any]) -> QuerySet[Statement]:
    """The statement list's filters and order (see filters.StatementFilters)."""
    return StatementFilters.from_query(params).sorted(qs)


def month_totals(qs: QuerySet[Statement]) -> dict[str, Any]:
    """Count and money of a filtered statement list, split by status."""
    agg = qs.aggregate(
        count=Count("id"),
        total=Sum("total_fen"),
        approved=Sum("total_fen", filter=Q(status=Statement.Status.APPROVED)),
    )
    return {k: v or 0 for k, v in agg.items()}


def my_months(user: Any) -> list[dict[str, Any]]:
    """The user's own statements grouped by month, newest first, with each month's total."""
    months: dict[dt.date, dict[str, Any]] = {}
    for s in own_statements(user):
        month = months.setdefault(s.month, {"month": s.month, "total": 0, "statements": []})
        month["total"] += s.total_fen
        month["statements"].append(s)
    return list(months.values())


def visible_schemes(user: Any) -> QuerySet[Scheme]:
    """Schemes in the user's commissions.view or commissions.manage scope."""
    q = scopes.scope_q(user, Perm.COMMISSIONS_VIEW) | scopes.scope_q(user, Perm.COMMISSIONS_MANAGE)
    return (
        Scheme.objects.filter(q)
        .select_related("project", "channel")
        .prefetch_related("tiers")
        .order_by("project__name", "payee", "channel_kind", "-valid_from", "id")
    )


def access_scheme(user: Any, pk: Any, *, for_write: bool = False) -> Scheme:
    scheme = scopes.get_or_404(visible_schemes(user), pk)
    if for_write and not scopes.allows(user, Perm.COMMISSIONS_MANAGE, scheme):
        raise PermissionDenied(_("没有修改该方案的权限"))
    return scheme


def filter_schemes(qs: QuerySet[Scheme], params: Mapping[str, Any]) -> QuerySet[Scheme]:
    return SchemeFilters.from_query(params).sorted(qs)


def visible_incentives(user: Any) -> QuerySet[Incentive]:
    q = scopes.scope_q(user, Perm.COMMISSIONS_VIEW) | scopes.scope_q(user, Perm.COMMISSIONS_MANAGE)
    return (
        Incentive.objects.filter(q)
        .select_related("project")
        .prefetch_related("members", "tiers")
        .order_by("project__name", "kind", "name", "id")
    )


def access_incentive(user: Any, pk: Any, *, for_write: bool = False) -> Incentive:
    incentive = scopes.get_or_404(visible_incentives(user), pk)
    if for_write and not scopes.allows(user, Perm.COMMISSIONS_MANAGE, incentive):
        raise PermissionDenied(_("没有修改该激励规则的权限"))
    return incentive


def visible_figures(user: Any) -> QuerySet[LiveSessionFigure]:
    q = scopes.scope_q(user, Perm.COMMISSIONS_VIEW) | scopes.scope_q(user, Perm.COMMISSIONS_MANAGE)
    return LiveSessionFigure.objects.filter(q).select_related("project", "anchor", "entered_by")


def filter_figures(
    qs: QuerySet[LiveSessionFigure], params: Mapping[str, Any]
) -> QuerySet[LiveSessionFigure]:
    return FigureFilters.from_query(params).sorted(qs)
