"""PDCA cycles and meeting records (会议制度): lists with a create form, a cycle's Plan / Do /
Check / Act, a meeting with its decisions and action items."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.orgs.models import User
from mediadesk.planning import access, forms, pdca, perms
from mediadesk.planning.models import Decision, Meeting, PdcaCycle


def _org(request: HttpRequest) -> int:
    return int(getattr(request.user, "organisation_id", 0) or 0)


def _people(request: HttpRequest) -> Any:
    return User.objects.filter(organisation_id=_org(request), is_active=True).order_by("pk")


def _person(request: HttpRequest, text: str) -> Any:
    pk = forms.as_id(text)
    return _people(request).filter(pk=pk).first() if pk else None


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"people": _people(request)[:500], "today": timezone.localdate(),
            "can_edit": scopes.has_perm(request.user, perms.EDIT),
            "kinds": Decision.Kind.choices}  # fmt: skip


def _cycle_data(request: HttpRequest, post: QueryDict) -> dict[str, Any]:
    cycles = PdcaCycle.objects.filter(organisation_id=_org(request))
    goal_id, prev_id = post.get("goal", ""), post.get("previous", "")
    return {
        "name": post.get("name", ""), "plan_notes": post.get("plan_notes", ""),
        "start": forms.parse_date(post.get("start", "")), "end": forms.parse_date(post.get("end", "")),
        "goal": access.visible_goals(request.user).filter(pk=forms.as_id(goal_id) or 0).first(),
        "previous": cycles.filter(pk=forms.as_id(prev_id) or 0).first(),
    }  # fmt: skip


@login_required
def cycles(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        access.require_edit(request.user)
        try:
            cycle = pdca.create_cycle(request.user, organisation_id=_org(request),
                                      data=_cycle_data(request, request.POST))  # fmt: skip
        except ValidationError as exc:
            errors = forms.problems(exc)
        else:
            return redirect("planning:pdca", cycle.pk)
    rows = PdcaCycle.objects.filter(organisation_id=_org(request)).select_related("goal")[:100]
    goals = access.visible_goals(request.user).order_by("-start")[:200]
    context = {**_common(request), "cycles": rows, "goals": goals, "errors": errors}
    return render(request, "planning/pdca_list.html", context, status=400 if errors else 200)


def _cycle_page(
    request: HttpRequest, cycle: PdcaCycle, errors: list[dict[str, str]]
) -> HttpResponse:
    context = {**_common(request), "cycle": cycle, "errors": errors, **pdca.do_and_check(cycle),
               "decisions": cycle.decisions.select_related("owner", "task")}  # fmt: skip
    return render(request, "planning/pdca.html", context, status=400 if errors else 200)


@login_required
def cycle(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    qs = PdcaCycle.objects.filter(organisation_id=_org(request)).select_related("goal")
    return _cycle_page(request, scopes.get_or_404(qs, pk), [])


def _decision_data(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {"text": post.get("text", ""), "kind": post.get("kind", ""),
            "owner": _person(request, post.get("owner", "")),
            "due": forms.parse_date(post.get("due", ""))}  # fmt: skip


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    item = scopes.get_or_404(PdcaCycle.objects.filter(organisation_id=_org(request)), pk)
    access.require_edit(request.user)
    try:
        pdca.add_decision(request.user, cycle=item, data=_decision_data(request))
    except ValidationError as exc:
        return _cycle_page(request, item, forms.problems(exc))
    messages.success(request, _("决定已记录"))
    return redirect("planning:pdca", item.pk)


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    errors: list[dict[str, str]] = []
    org_cycles = PdcaCycle.objects.filter(organisation_id=_org(request))
    if request.method == "POST":
        access.require_edit(request.user)
        post = request.POST
        data = {"title": post.get("title", ""), "kind": post.get("kind", ""),
                "held_on": forms.parse_date(post.get("held_on", "")), "notes": post.get("notes", ""),
                "cycle": org_cycles.filter(pk=forms.as_id(post.get("cycle", "")) or 0).first(),
                "attendees": list(_people(request).filter(
                    pk__in=[i for p in post.getlist("attendees") if (i := forms.as_id(p))]))}  # fmt: skip
        try:
            meeting = pdca.create_meeting(request.user, organisation_id=_org(request), data=data)
        except ValidationError as exc:
            errors = forms.problems(exc)
        else:
            return redirect("planning:meeting", meeting.pk)
    rows = Meeting.objects.filter(organisation_id=_org(request)).select_related("cycle")[:100]
    context = {**_common(request), "meetings": rows, "cycles": org_cycles[:100], "errors": errors,
               "meeting_kinds": Meeting.Kind.choices}  # fmt: skip
    return render(request, "planning/meetings.html", context, status=400 if errors else 200)


def _meeting_page(
    request: HttpRequest, meeting: Meeting, errors: list[dict[str, str]]
) -> HttpResponse:
    context = {**_common(request), "meeting": meeting, "errors": errors,
               "decisions": meeting.decisions.select_related("owner", "task"),
               "attendees": meeting.attendees.all()}  # fmt: skip
    return render(request, "planning/meeting.html", context, status=400 if errors else 200)


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    qs = Meeting.objects.filter(organisation_id=_org(request)).select_related("cycle")
    return _meeting_page(request, scopes.get_or_404(qs, pk), [])


@login_required
@require_POST
def action_item(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    item = scopes.get_or_404(Meeting.objects.filter(organisation_id=_org(request)), pk)
    access.require_edit(request.user)
    try:
        pdca.add_decision(request.user, meeting=item, data=_decision_data(request))
    except ValidationError as exc:
        return _meeting_page(request, item, forms.problems(exc))
    messages.success(request, _("行动项已记录"))
    return redirect("planning:meeting", item.pk)
