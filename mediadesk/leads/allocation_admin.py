"""Allocation settings of a project (leads.rules): sales teams, consultant seats with their
weight and daily cap, on-duty status, and the allocation rule per lead source.

Allocation itself (strategy_for, pick_seat, allocate) lives in services.py and reads what
these functions write.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.leads.attribution import in_project
from mediadesk.leads.models import AllocationRule, Consultant, Opportunity, Source, Team
from mediadesk.leads.services import OPEN_STAGES
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Project, RoleGrant, User
from mediadesk.orgs.roles import Perm, Role

audit.register_actions(
    {
        "team.create": gettext_lazy("新增销售团队"),
        "team.update": gettext_lazy("修改销售团队"),
        "consultant.add": gettext_lazy("新增顾问席位"),
        "consultant.update": gettext_lazy("修改顾问席位"),
        "consultant.remove": gettext_lazy("移除顾问席位"),
        "consultant.duty": gettext_lazy("切换在岗状态"),
        "allocation_rule.save": gettext_lazy("设置分配规则"),
        "allocation_rule.delete": gettext_lazy("删除分配规则"),
    }
)

Strategy = AllocationRule.Strategy

STRATEGY_HELP: dict[str, audit.StrOrPromise] = {
    Strategy.ROUND_ROBIN: gettext_lazy("在岗顾问依次轮流接收，等待最久的顾问先分。"),
    Strategy.FEWEST_OPEN: gettext_lazy("优先分给当前在跟客户最少的在岗顾问。"),
    Strategy.WEIGHTED: gettext_lazy("按顾问的分配权重比例分配，权重 2 的顾问约分到权重 1 的两倍。"),
    Strategy.ONLINE_GROUP: gettext_lazy(
        "只在「线上组」团队的在岗顾问中轮流分配，适合抖音、直播等线上来源。"
    ),
    Strategy.MANUAL: gettext_lazy("不自动分配，新线索等待主管或渠道经理手动分配。"),
}

TEAM_FIELDS = ("name", "supervisor", "is_online")
SEAT_FIELDS = ("team", "weight", "daily_cap")
MAX_WEIGHT = 100
MAX_DAILY_CAP = 500
DENIED = gettext_lazy("没有在该项目管理分配设置的权限")


def _require(by: Any, project: Project) -> None:
    if not in_project(by, Perm.LEADS_RULES, project):
        raise PermissionDenied(DENIED)


def rules_projects(user: Any) -> QuerySet[Project]:
    """Projects whose allocation settings `user` may manage."""
    return org_queries.visible_projects(user, perm=Perm.LEADS_RULES)


def _grants_over(project: Project) -> QuerySet[RoleGrant]:
    """Active users' grants whose scope contains `project`."""
    scope = (
        Q(project=project)
        | Q(project__isnull=True, company_id=project.company_id)
        | Q(project__isnull=True, company__isnull=True)
    )
    return RoleGrant.objects.filter(scope, organisation_id=project.organisation_id)


def people_in_scope(project: Project) -> QuerySet[User]:
    """Active users holding any role over the project (supervisor choices)."""
    ids = _grants_over(project).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


def sales_in_scope(project: Project) -> QuerySet[User]:
    """Active users holding the sales role over the project (who may take a seat)."""
    ids = _grants_over(project).filter(role=Role.SALES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


# --- teams -----------------------------------------------------------------------------------


def _clean_team(project: Project, values: dict[str, Any]) -> tuple[str, User]:
    name = str(values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写团队名称")})
    if len(name) > 40:
        raise ValidationError({"name": _("团队名称最多 40 个字")})
    supervisor = values.get("supervisor")
    if supervisor is None or not people_in_scope(project).filter(pk=supervisor.pk).exists():
        raise ValidationError({"supervisor": _("主管须是本项目范围内的在职用户")})
    return name, supervisor


@transaction.atomic
def save_team(team: Team | None, *, by: Any, project: Project, values: dict[str, Any]) -> Team:
    """Create or edit a sales team (name, supervisor, 线上组) of the project."""
    _require(by, project)
    name, supervisor = _clean_team(project, values)
    clash = Team.objects.filter(project=project, name=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": _("本项目已有名为「%(name)s」的团队") % {"name": name}})
    created = team is None
    team = team or Team(organisation_id=project.organisation_id, project=project)
    before = {} if created else audit.snapshot(team, TEAM_FIELDS)
    team.name, team.supervisor, team.is_online = name, supervisor, bool(values.get("is_online"))
    team.save()
    changes = audit.diff(before, audit.snapshot(team, TEAM_FIELDS))
    if changes:
        action = "team.create" if created else "team.update"
        audit.record(actor=by, action=action, target=team, changes=changes)
    return team


# --- consultant seats ------------------------------------------------------------------------


def _clean_seat(project: Project, values: dict[str, Any]) -> dict[str, Any]:
    """Team of the same project, weight 1..100, daily cap 1..500."""
    team = values.get("team")
    if team is not None and team.project_id != project.pk:
        raise ValidationError({"team": _("团队须属于同一项目")})
    out: dict[str, Any] = {"team": team}
    for field, label, top in (
        ("weight", _("分配权重"), MAX_WEIGHT),
        ("daily_cap", _("每日上限"), MAX_DAILY_CAP),
    ):
        raw = values.get(field)
        try:
            number = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError({field: _("%(label)s须是整数") % {"label": label}}) from None
        if not 1 <= number <= top:
            raise ValidationError(
                {field: _("%(label)s须在 1 到 %(top)s 之间") % {"label": label, "top": top}}
            )
        out[field] = number
    return out


def has_seat(project: Project, user: User) -> bool:
    """True if `user` already sits in the project."""
    return Consultant.objects.filter(project=project, user=user).exists()


def _taken(user: User, project: Project) -> ValidationError:
    return ValidationError(
        {
            "user": _("%(user)s 已是%(project)s的置业顾问，不能重复添加")
            % {"user": user.label, "project": project.name}
        }
    )


@transaction.atomic
def add_consultant(*, by: Any, project: Project, user: User, values: dict[str, Any]) -> Consultant:
    """Give a sales user a seat in the project (on duty), with team, weight and daily cap."""
    _require(by, project)
    if not sales_in_scope(project).filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": _("%(user)s 在本项目没有置业顾问（销售）角色") % {"user": user.label}}
        )
    if has_seat(project, user):
        raise _taken(user, project)
    seat = Consultant(organisation_id=project.organisation_id, project=project, user=user)
    for key, value in _clean_seat(project, values).items():
        setattr(seat, key, value)
    try:
        with transaction.atomic():  # a savepoint, so a concurrent duplicate leaves no mess
            seat.save()
    except IntegrityError:
        raise _taken(user, project) from None
    changes = audit.diff({}, audit.snapshot(seat, ("user", "on_duty", *SEAT_FIELDS)))
    audit.record(actor=by, action="consultant.add", target=seat, changes=changes)
    return seat


@transaction.atomic
def update_consultant(seat: Consultant, *, by: Any, values: dict[str, Any]) -> Consultant:
    """Change a seat's team, weight and daily cap."""
    _require(by, seat.project)
    seat = Consultant.objects.select_for_update().get(pk=seat.pk)
    before = audit.snapshot(seat, SEAT_FIELDS)
    for key, value in _clean_seat(seat.project, values).items():
        setattr(seat, key, value)
    seat.save(update_fields=list(SEAT_FIELDS))
    changes = audit.diff(before, audit.snapshot(seat, SEAT_FIELDS))
    if changes:
        audit.record(actor=by, action="consultant.update", target=seat, changes=changes)
    return seat


def open_leads_of(seat: Consultant) -> int:
    """Open opportunities the seat's user holds in the seat's project."""
    return Opportunity.objects.filter(
        project_id=seat.project_id, consultant_id=seat.user_id, in_pool=False,
        stage__in=OPEN_STAGES,
    ).count()  # fmt: skip


@transaction.atomic
def remove_consultant(seat: Consultant, *, by: Any) -> None:
    """Remove a seat; refused while the consultant still follows open leads in the project,
    so no customer is left with an owner who no longer sits in the project."""
    _require(by, seat.project)
    seat = Consultant.objects.select_for_update(of=("self",)).select_related("user").get(pk=seat.pk)
    held = open_leads_of(seat)
    if held:
        raise ValidationError(
            {
                "user": _("%(user)s 还有 %(n)s 个在跟客户，请先改派或移入公海后再移除")
                % {"user": seat.user.label, "n": held}
            }
        )
    changes = audit.diff(audit.snapshot(seat, ("user", *SEAT_FIELDS)), {})
    audit.record(actor=by, action="consultant.remove", target=seat, changes=changes)
    seat.delete()


def can_toggle_duty(user: Any, seat: Consultant) -> bool:
    """The consultant themself, their team's supervisor, or leads.rules in the project."""
    if seat.user_id == getattr(user, "pk", None):
        return True
    if seat.team is not None and seat.team.supervisor_id == getattr(user, "pk", None):
        return True
    return in_project(user, Perm.LEADS_RULES, seat.project)


@transaction.atomic
def set_duty(seat: Consultant, *, by: Any, on_duty: bool) -> Consultant:
    """Put a seat on or off duty (在岗/离岗); off-duty seats receive no new leads."""
    if not can_toggle_duty(by, seat):
        raise PermissionDenied(_("只能切换自己或本团队顾问的在岗状态"))
    seat = (
        Consultant.objects.select_for_update(of=("self",))
        .select_related("user", "team")
        .get(pk=seat.pk)
    )
    if seat.on_duty == on_duty:
        return seat
    before = audit.snapshot(seat, ("on_duty",))
    seat.on_duty = on_duty
    seat.save(update_fields=["on_duty"])
    changes = audit.diff(before, audit.snapshot(seat, ("on_duty",)))
    audit.record(actor=by, action="consultant.duty", target=seat, changes=changes)
    return seat


def seats_of(user: Any) -> QuerySet[Consultant]:
    """The user's own seats (for their 在岗/离岗 switch)."""
    return Consultant.objects.filter(user_id=user.pk).select_related("project")


# --- allocation rules ------------------------------------------------------------------------


@transaction.atomic
def save_rule(*, by: Any, project: Project, source: str, strategy: str) -> AllocationRule:
    """Set the project's strategy for a source (blank source = the project's default)."""
    _require(by, project)
    if source and source not in Source.values:
        raise ValidationError({"source": _("未知的线索来源")})
    if strategy not in Strategy.values:
        raise ValidationError({"strategy": _("请选择分配策略")})
    rule = AllocationRule.objects.select_for_update().filter(project=project, source=source).first()
    before = {"strategy": rule.get_strategy_display()} if rule else {}
    rule = rule or AllocationRule(project=project, source=source)
    rule.strategy = strategy
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError({"source": _("该来源的规则刚被他人设置，请刷新后再试")}) from None
    after = {"strategy": rule.get_strategy_display()}
    changes = audit.diff(before, after)
    if changes:
        changes["source"] = [None, rule.get_source_display() or "默认（全部来源）"]
        audit.record(actor=by, action="allocation_rule.save", target=rule, changes=changes)
    return rule


@transaction.atomic
def delete_rule(rule: AllocationRule, *, by: Any) -> None:
    """Remove a rule; the source falls back to the project default (or the built-in one)."""
    _require(by, rule.project)
    label = rule.get_source_display() or _("默认（全部来源）")
    changes = {"source": [label, None], "strategy": [rule.get_strategy_display(), None]}
    audit.record(actor=by, action="allocation_rule.delete", target=rule, changes=changes)
    rule.delete()
