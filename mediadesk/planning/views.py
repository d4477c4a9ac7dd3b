"""Pages: goal tree, goal page with the rows behind each figure, 重要紧急 board, 今日 agenda."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import cockpit, scopes
from mediadesk.core.cockpit import Card, Figure, Line
from mediadesk.planning import access, forms, metrics, perms, services, tasks_service
from mediadesk.planning.filters import GoalFilters
from mediadesk.planning.models import Goal, Task

TREE_LIMIT = 200  # rows of the tree page; filters narrow larger trees
QUADRANTS = (
    ("q1", True, True),
    ("q2", True, False),
    ("q3", False, True),
    ("q4", False, False),
)


def _tree(goals: list[Goal]) -> list[tuple[Goal, int]]:
    """Goals in tree order with their depth (parents outside the list count as roots)."""
    ids = {g.pk for g in goals}
    children: dict[int | None, list[Goal]] = {}
    for g in goals:
        children.setdefault(g.parent_id if g.parent_id in ids else None, []).append(g)
    out: list[tuple[Goal, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for g in children.get(parent, []):
            out.append((g, depth))
            walk(g.pk, depth + 1)

    walk(None, 0)
    return out


@login_required
def goals(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    filters = GoalFilters.from_query(request.GET)
    qs = filters.sorted(access.visible_goals(request.user).select_related("owner"))
    page = Paginator(qs, TREE_LIMIT).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "planning/goals.html", {
        "rows": _tree(list(page.object_list)), "page": page, "params": params.urlencode(),
        "status": request.GET.get("status", ""), "filtered": filters.is_filtered(),
        "can_edit": scopes.has_perm(request.user, perms.EDIT),
    })  # fmt: skip


@login_required
def goal_new(request: HttpRequest) -> HttpResponse:
    """The goal form with its key-result rows; bad input re-renders with every problem named
    and nothing written (the same service as the API)."""
    access.require_edit(request.user)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        data, errors = forms.goal_data(request.user, request.POST)
        if not errors:
            try:
                goal = services.create_goal(request.user, organisation_id=_org(request), data=data)
            except ValidationError as exc:
                errors = forms.problems(exc)
            else:
                messages.success(request, _("目标已创建"))
                return redirect("planning:goal", goal.pk)
        else:
            errors = forms.problems(errors)
    source = request.POST if request.method == "POST" else request.GET
    context = {**forms.choices(request.user), "errors": errors, "form": source,
               "rows": forms.row_values(source), "more": forms.row_count(source) + 1}  # fmt: skip
    return render(request, "planning/goal_form.html", context, status=400 if errors else 200)


def _goal_page(request: HttpRequest, goal: Goal, errors: list[dict[str, str]]) -> HttpResponse:
    krs = [(kr, metrics.get(kr.metric)) for kr in goal.key_results.all()]
    manual = [kr for kr, m in krs if m is not None and m.manual]
    context = {"goal": goal, "krs": krs, "children": goal.children.all(), "manual": manual,
               "errors": errors, "can_edit": scopes.has_perm(request.user, perms.EDIT),
               "today": timezone.localdate()}  # fmt: skip
    return render(request, "planning/goal.html", context, status=400 if errors else 200)


@login_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    goal = scopes.get_or_404(
        access.visible_goals(request.user).select_related("owner", "parent"), pk
    )
    return _goal_page(request, goal, [])


@login_required
@require_POST
def manual_value(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a manual key result's figure from the goal page (refused on computed metrics)."""
    access.require_view(request.user)
    goal = scopes.get_or_404(
        access.visible_goals(request.user).select_related("owner", "parent"), pk
    )
    access.require_edit(request.user)
    kr_id = request.POST.get("key_result", "")
    try:
        services.add_manual_value(
            request.user, goal, key_result_id=forms.as_id(kr_id) or 0,
            value=request.POST.get("value", ""), at=forms.parse_date(request.POST.get("at", "")),
            evidence_url=request.POST.get("evidence_url", "").strip()[:200],
        )  # fmt: skip
    except ValidationError as exc:
        return _goal_page(request, goal, forms.problems(exc))
    messages.success(request, _("已录入"))
    return redirect("planning:goal", goal.pk)


@login_required
def kr_rows(request: HttpRequest, pk: int, kr: int) -> HttpResponse:
    access.require_view(request.user)
    goal = scopes.get_or_404(access.visible_goals(request.user), pk)
    key_result = scopes.get_or_404(goal.key_results.all(), kr)
    rows = [
        {**r, "date": _when(r["date"])}
        for r in services.rows_behind(key_result, goal.organisation_id)
    ]
    return render(
        request,
        "planning/_rows.html",
        {"rows": rows, "kr": key_result, "metric": metrics.get(key_result.metric)},
    )


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if value else ""


def _quadrants(user: Any) -> list[dict[str, Any]]:
    tasks = list(
        access.my_tasks(user).filter(status=Task.Status.OPEN).order_by("due_at", "id")[:400]
    )
    return [
        {"key": key, "important": imp, "urgent": urg,
         "tasks": [t for t in tasks if t.important == imp and t.urgent == urg]}
        for key, imp, urg in QUADRANTS
    ]  # fmt: skip


@login_required
def board(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    return render(request, "planning/board.html", {"quadrants": _quadrants(request.user)})


@login_required
@require_POST
def move_task(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_view(request.user)
    task = scopes.get_or_404(access.visible_tasks(request.user), pk)
    quadrant = {k: (i, u) for k, i, u in QUADRANTS}.get(request.POST.get("quadrant", ""))
    if quadrant is None:
        return JsonResponse({"detail": "未知象限", "errors": []}, status=400)
    tasks_service.update_task(request.user, task, {"important": quadrant[0], "urgent": quadrant[1]})
    return JsonResponse({"id": task.pk, "important": task.important, "urgent": task.urgent})


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def agenda(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    data = tasks_service.agenda(request.user, _day(request))
    # the day is one page: its items on a time axis (the 工作台 card counts the same list)
    page = Paginator(data["items"], max(len(data["items"]), 1)).get_page(1)
    return render(request, "planning/agenda.html", {**data, "page": page})


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    day = timezone.localdate()
    tasks_service.confirm_publishing(request.user, day)
    return redirect("planning:agenda")


def agenda_card(request: HttpRequest) -> dict[str, Any] | None:
    """Home card: today's agenda (hidden for users without planning)."""
    user = request.user
    if not user.is_authenticated or not scopes.has_perm(user, "planning.view"):
        return None
    day = timezone.localdate()
    items = tasks_service.agenda(user, day)["items"]
    url = cockpit.link("planning:agenda", {"date": day.isoformat()})
    overdue = sum(1 for e in items if e.get("overdue"))
    figures = [Figure(_("今日日程"), len(items), url)]
    if overdue:
        figures.append(Figure(_("其中逾期任务"), overdue, url, counted=False, tone="danger"))
    lines = [Line(e["title"], e["at"].strftime("%H:%M"), e["link"] or url) for e in items[:6]]
    return Card("my_agenda", _("我的今日"), "bi-calendar-check", figures=figures, lines=lines,
                empty=_("今天没有待办")).context()  # fmt: skip


def risk_card(request: HttpRequest) -> dict[str, Any] | None:
    """Home card: my goals at risk (owned by me, status at_risk or missed)."""
    user = request.user
    if not user.is_authenticated or not scopes.has_perm(user, "planning.view"):
        return None
    visible = access.visible_goals(user)
    mine = {"owner": user.pk, "risk": "1"}
    figure = cockpit.counted(_("有风险或未达成"), GoalFilters, visible, "planning:goals", mine,
                             alarm="danger")  # fmt: skip
    risky = GoalFilters.from_query(mine).apply(visible).order_by("end", "id")[:6]
    lines = [Line(g.name, str(g.get_status_display()), cockpit.link("planning:goal", None, g.pk),
                  tone="danger") for g in risky]  # fmt: skip
    return Card("goals_at_risk", _("我的风险目标"), "bi-exclamation-triangle", figures=[figure],
                lines=lines).context()  # fmt: skip


def _month(request: HttpRequest) -> dt.date:
    try:
        return dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@login_required
def monthly_report(request: HttpRequest) -> HttpResponse:
    from mediadesk.core.excel import xlsx_response
    from mediadesk.planning import reports

    access.require_view(request.user)
    month = _month(request)
    sections = reports.department_report(_org(request), month)
    if request.GET.get("format") == "xlsx":
        rows = [
            (str(s["title"]), str(label), _cell(value))
            for s in sections
            for label, value in s["rows"]
        ]
        return xlsx_response(f"部门月报-{month:%Y-%m}.xlsx", ["板块", "项目", "数值"], rows)
    return render(request, "planning/report.html", {"sections": sections, "month": month})


@login_required
def scorecards_export(request: HttpRequest) -> HttpResponse:
    from mediadesk.core.excel import xlsx_response
    from mediadesk.planning.models import Scorecard

    access.require_edit(request.user)
    month = _month(request)
    cards = Scorecard.objects.filter(organisation_id=_org(request), month=month)
    rows = [
        (i + 1, str(c.person), c.role, c.total, "已签核" if c.signed_at else "未签核")
        for i, c in enumerate(cards.select_related("person").order_by("-total", "id"))
    ]
    return xlsx_response(
        f"绩效考核-{month:%Y-%m}.xlsx", ["排名", "人员", "岗位", "总分", "状态"], rows
    )


def _cell(value: Any) -> Any:
    """Numbers stay numbers in Excel; lazy texts become plain text."""
    return value if isinstance(value, int | float | Decimal) else str(value)


def _org(request: HttpRequest) -> int:
    return int(getattr(request.user, "organisation_id", 0) or 0)
