"""Allocation settings pages (leads.rules): teams, consultant seats, on-duty switches and
allocation rules per source, project by project. Writes go through allocation_admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mediadesk.core import audit, scopes
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.leads import allocation_admin as admin
from mediadesk.leads import queries
from mediadesk.leads.forms import apply_errors
from mediadesk.leads.models import AllocationRule, Consultant, Source, Team
from mediadesk.matrix.forms import StyledForm, UserChoiceField
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Perm

# --- forms -----------------------------------------------------------------------------------


class TeamForm(StyledForm):
    """A sales team: name, supervisor among the project's people, 线上组 flag."""

    name = forms.CharField(label=gettext_lazy("团队名称"), max_length=40)
    supervisor = UserChoiceField(label=gettext_lazy("主管"), queryset=User.objects.none())
    is_online = forms.BooleanField(label=gettext_lazy("线上组（接收线上来源线索）"), required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = admin.people_in_scope(project)  # type: ignore[attr-defined]
        self.style()


class SeatForm(StyledForm):
    """A consultant seat: the sales user (on creation), team, weight and daily cap."""

    user = UserChoiceField(label=gettext_lazy("置业顾问"), queryset=User.objects.none())
    team = forms.ModelChoiceField(
        label=gettext_lazy("团队"), queryset=Team.objects.none(), required=False
    )
    weight = forms.IntegerField(
        label=gettext_lazy("分配权重"), min_value=1, max_value=admin.MAX_WEIGHT, initial=1
    )
    daily_cap = forms.IntegerField(
        label=gettext_lazy("每日分配上限"), min_value=1, max_value=admin.MAX_DAILY_CAP, initial=30
    )

    def __init__(self, *args: Any, project: Project, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["user"].queryset = admin.sales_in_scope(project)  # type: ignore[attr-defined]
            self.fields["user"].help_text = _("只能添加在本项目持有置业顾问（销售）角色的用户")
        else:
            del self.fields["user"]
        self.fields["team"].queryset = Team.objects.filter(project=project).order_by("name")  # type: ignore[attr-defined]
        self.fields["weight"].help_text = _("按权重分配时生效，1–100")
        self.style()


# --- helpers ---------------------------------------------------------------------------------


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    caps = queries.desk_caps(request.user)
    return render(request, template, {"nav_active": "leads", "caps": caps, **context})


def _require_rules(user: Any) -> None:
    scopes.require(scopes.has_perm(user, Perm.LEADS_RULES), _("没有管理分配设置的权限"))


def _project(user: Any, raw: Any) -> Project | None:
    """The chosen project among those the user manages (404 outside), else the first one."""
    projects = admin.rules_projects(user)
    if raw:
        return scopes.get_or_404(projects, raw)
    return projects.first()


def _index_url(project: Project) -> str:
    return f"{reverse('leads:allocation')}?project={project.pk}"


def _managed_teams(user: Any) -> QuerySet[Team]:
    return Team.objects.filter(project__in=admin.rules_projects(user)).select_related("project")


def _managed_seats(user: Any) -> QuerySet[Consultant]:
    return Consultant.objects.filter(project__in=admin.rules_projects(user)).select_related(
        "project", "user", "team"
    )


def _history(obj: Team | Consultant | None) -> list[Any]:
    return list(audit.label_entries(audit.history(obj)[:30])) if obj else []


def _rule_rows(project: Project) -> tuple[AllocationRule | None, list[AllocationRule]]:
    rules = list(AllocationRule.objects.filter(project=project).order_by("source"))
    default = next((r for r in rules if not r.source), None)
    return default, [r for r in rules if r.source]


# --- pages -----------------------------------------------------------------------------------


@require_GET
def allocation(request: HttpRequest) -> HttpResponse:
    """One project's teams, seats and allocation rules."""
    user: Any = request.user
    _require_rules(user)
    project = _project(user, request.GET.get("project"))
    context: dict[str, Any] = {"project": project, "projects": admin.rules_projects(user)}
    if project is not None:
        default, overrides = _rule_rows(project)
        context |= {
            "teams": Team.objects.filter(project=project)
            .select_related("supervisor")
            .annotate(size=Count("members"))
            .order_by("name"),
            "seats": Consultant.objects.filter(project=project)
            .select_related("user", "team")
            .order_by("team__name", "user__display_name"),
            "default_rule": default,
            "overrides": overrides,
            "strategies": [(s, s.label, admin.STRATEGY_HELP[s]) for s in AllocationRule.Strategy],
            "sources": Source.choices,
        }
    return _page(request, "leads/allocation/index.html", context)


def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (for ?project=) or edit a team."""
    user: Any = request.user
    _require_rules(user)
    team = scopes.get_or_404(_managed_teams(user), pk) if pk else None
    project = team.project if team else _project(user, request.GET.get("project"))
    if project is None:
        return redirect("leads:allocation")
    initial = (
        {"name": team.name, "supervisor": team.supervisor_id, "is_online": team.is_online}
        if team
        else {}
    )
    form = TeamForm(request.POST or None, initial=initial, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            admin.save_team(team, by=user, project=project, values=form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已保存团队"))
            return redirect(_index_url(project))
    context = {"form": form, "team": team, "project": project, "history": _history(team)}
    return _page(request, "leads/allocation/team_form.html", context)


def _apply(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError):
        apply_errors(form, exc)
    else:
        form.add_error(None, str(exc))


def seat_add(request: HttpRequest) -> HttpResponse:
    """Give a sales user of the project (?project=) a consultant seat."""
    user: Any = request.user
    _require_rules(user)
    project = _project(user, request.GET.get("project"))
    if project is None:
        return redirect("leads:allocation")
    form = SeatForm(request.POST or None, project=project, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            admin.add_consultant(by=user, project=project, user=data.pop("user"), values=data)
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已添加置业顾问"))
            return redirect(_index_url(project))
    context = {"form": form, "seat": None, "project": project}
    return _page(request, "leads/allocation/seat_form.html", context)


def seat_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a seat's team, weight and daily cap."""
    user: Any = request.user
    _require_rules(user)
    seat: Consultant = scopes.get_or_404(_managed_seats(user), pk)
    initial = {"team": seat.team_id, "weight": seat.weight, "daily_cap": seat.daily_cap}
    form = SeatForm(request.POST or None, initial=initial, project=seat.project, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            admin.update_consultant(seat, by=user, values=form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已保存 %(user)s 的席位") % {"user": seat.user.label})
            return redirect(_index_url(seat.project))
    context = {
        "form": form, "seat": seat, "project": seat.project,
        "held": admin.open_leads_of(seat), "history": _history(seat),
    }  # fmt: skip
    return _page(request, "leads/allocation/seat_form.html", context)


@require_POST
def seat_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _require_rules(user)
    seat: Consultant = scopes.get_or_404(_managed_seats(user), pk)
    try:
        admin.remove_consultant(seat, by=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("leads:seat_edit", seat.pk)
    messages.success(request, _("已移除 %(user)s 的顾问席位") % {"user": seat.user.label})
    return redirect(_index_url(seat.project))


# --- on duty ---------------------------------------------------------------------------------


def _duty_seats(user: Any) -> QuerySet[Consultant]:
    """Seats whose duty the user may see: managed projects, their own, their team's."""
    own = Q(user_id=user.pk) | Q(team__supervisor_id=user.pk)
    return Consultant.objects.filter(
        own | Q(project__in=admin.rules_projects(user))
    ).select_related("project", "user", "team")


@require_POST
def seat_duty(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a seat 在岗/离岗 (htmx swaps the button; without htmx, back to the page)."""
    user: Any = request.user
    seat: Consultant = scopes.get_or_404(_duty_seats(user), pk)
    wanted = request.POST.get("on_duty")
    if wanted not in ("0", "1"):
        messages.error(request, _("在岗状态只能是「在岗」或「离岗」"))
        return _back(request)
    seat = admin.set_duty(seat, by=user, on_duty=wanted == "1")
    compact = request.POST.get("compact") == "1"
    if request.headers.get("HX-Request"):
        context = {"seat": seat, "compact": compact, "back": request.POST.get("back", "")}
        return render(request, "leads/allocation/_duty.html", context)
    messages.success(
        request,
        (_("%(user)s 已在岗") if seat.on_duty else _("%(user)s 已离岗"))
        % {"user": seat.user.label},
    )
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the switch sat on (local paths only), else the lead list."""
    back = request.POST.get("back", "")
    local = back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)
    return redirect(back if local else "leads:home")


@require_GET
def my_duty(request: HttpRequest) -> HttpResponse:
    """The signed-in consultant's 在岗/离岗 switches (loaded into the lead list)."""
    seats = admin.seats_of(request.user).order_by("project__name")
    return render(request, "leads/allocation/_my_duty.html", {"seats": seats})


# --- rules -----------------------------------------------------------------------------------


@require_POST
def rule_save(request: HttpRequest) -> HttpResponse:
    """Set the default strategy or a per-source override of a project."""
    user: Any = request.user
    _require_rules(user)
    project = _project(user, request.POST.get("project"))
    if project is None:
        return redirect("leads:allocation")
    source, strategy = request.POST.get("source", ""), request.POST.get("strategy", "")
    try:
        rule = admin.save_rule(by=user, project=project, source=source, strategy=strategy)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        scope = rule.get_source_display() or _("默认规则")
        messages.success(request, f"{scope}：{rule.get_strategy_display()}")
        online = Team.objects.filter(project=project, is_online=True).exists()
        if rule.strategy == AllocationRule.Strategy.ONLINE_GROUP and not online:
            messages.warning(request, _("本项目还没有线上组团队，按此规则的线索将留待手动分配"))
    return redirect(_index_url(project))


@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _require_rules(user)
    rules = AllocationRule.objects.filter(project__in=admin.rules_projects(user))
    rule: AllocationRule = scopes.get_or_404(rules.select_related("project"), pk)
    admin.delete_rule(rule, by=user)
    messages.success(request, _("已删除规则，该来源改用默认规则"))
    return redirect(_index_url(rule.project))
