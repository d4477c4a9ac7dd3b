"""阶段规划 pages: the plans, one plan's phases and milestones, ticking a milestone."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.planning import access, forms, perms, phases
from mediadesk.planning.models import Milestone, PhasePlan


def _org(request: HttpRequest) -> int:
    return int(getattr(request.user, "organisation_id", 0) or 0)


def visible_plans(user: Any) -> Any:
    """Plans are the organisation's (every holder of planning.view sees them)."""
    return PhasePlan.objects.filter(organisation_id=getattr(user, "organisation_id", 0) or 0)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        access.require_edit(request.user)
        text = request.POST.get("start", "").strip()
        start = forms.parse_date(text) if text else timezone.localdate()
        try:
            if start is None:
                raise ValidationError({"start": [_("请填写 1990–2199 年之间的日期")]})
            plan = phases.from_template(request.user, organisation_id=_org(request),
                                        name=request.POST.get("name", ""), start=start)  # fmt: skip
        except ValidationError as exc:
            errors = forms.problems(exc)
        else:
            messages.success(request, _("已按三阶段模板创建规划"))
            return redirect("planning:plan", plan.pk)
    plans = visible_plans(request.user).prefetch_related("phases")[:100]
    context = {"plans": plans, "errors": errors, "today": timezone.localdate(),
               "can_edit": scopes.has_perm(request.user, perms.EDIT)}  # fmt: skip
    return render(request, "planning/plans.html", context, status=400 if errors else 200)


def _page(request: HttpRequest, plan: PhasePlan, errors: list[dict[str, str]]) -> HttpResponse:
    items = plan.phases.prefetch_related("milestones__owner", "milestones__done_by")
    context = {"plan": plan, "phases": items, "errors": errors, "today": timezone.localdate(),
               "can_edit": scopes.has_perm(request.user, perms.EDIT)}  # fmt: skip
    return render(request, "planning/plan.html", context, status=400 if errors else 200)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    return _page(request, scopes.get_or_404(visible_plans(request.user), pk), [])


@login_required
@require_POST
def tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick a milestone (its owner or a planner with planning.edit), evidence required."""
    access.require_view(request.user)
    stones = Milestone.objects.filter(phase__plan__organisation_id=_org(request))
    stone = scopes.get_or_404(stones.select_related("phase__plan"), pk)
    if stone.owner_id != request.user.pk and not scopes.has_perm(request.user, perms.EDIT):
        raise PermissionDenied(_("只有里程碑负责人可以勾选"))
    try:
        phases.tick(request.user, stone, request.POST.get("evidence_url", "").strip())
    except ValidationError as exc:
        return _page(request, stone.phase.plan, forms.problems(exc))
    messages.success(request, _("里程碑已完成"))
    return redirect("planning:plan", stone.phase.plan_id)
