"""Review pages: 待我审核, all reviews (+ template-2 export), the review page with its actions,
submitting from the item page, marking variants published/withdrawn, workflow admin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mediadesk.content.models import Form as ContentForm
from mediadesk.content.models import Variant
from mediadesk.core import excel, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.roles import Perm, Role
from mediadesk.review import exports, queries, services
from mediadesk.review.forms import (
    ActionForm,
    PublishForm,
    StepFormSet,
    WithdrawForm,
    WorkflowForm,
    apply_errors,
    local_now,
    named_steps,
    workflow_initial,
)
from mediadesk.review.models import ReviewRun, StepState, Workflow

PAGE_SIZE = 30
EXPORT_LIMIT = 20_000
ACTIONS = {
    "approve": ("approve_step", gettext_lazy("已通过本步骤")),
    "changes": ("request_changes", gettext_lazy("已退回修改")),
    "reject": ("reject", gettext_lazy("已驳回")),
}


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    user: Any = request.user
    can_workflows = queries.can_manage_workflows(user, user.organisation_id)
    return render(
        request, template, {"nav_active": "content", "can_workflows": can_workflows, **context}
    )


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Return to `next` when it is a local URL (the item page), else to `default`."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


def _errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc) or _("没有权限执行此操作"))


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for text in errors:
            messages.error(
                request,
                _("%(label)s：%(text)s") % {"label": label, "text": text} if label else str(text),
            )


def queue(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    states = queries.filter_queue(queries.my_queue(request.user), request.GET)
    page = Paginator(states, PAGE_SIZE).get_page(request.GET.get("page"))
    queries.mark_overdue(list(page.object_list))
    return _page(request, "review/queue.html", {
        "page": page, "params": _params(request), "tab": "queue",
        "projects": org_queries.visible_projects(request.user, perm=Perm.CONTENT_VIEW),
        "forms": ContentForm.choices,
    })  # fmt: skip


def _filtered_runs(request: HttpRequest) -> Any:
    runs = queries.filter_runs(queries.visible_runs(request.user), request.GET)
    return queries.with_steps(runs).order_by("-started_at", "-pk")


def runs(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    page = Paginator(_filtered_runs(request), PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.current = queries.current_state(run)
        for state in run.steps.all():
            state.short = state.step.name.split()[0][:6]  # "一审 内容策划" → "一审"
    return _page(request, "review/runs.html", {
        "page": page, "params": _params(request), "tab": "runs",
        "statuses": ReviewRun.Status.choices, "step_names": queries.step_names(request.user),
        "submitters": queries.submitters(request.user),
        "projects": org_queries.visible_projects(request.user, perm=Perm.CONTENT_VIEW),
    })  # fmt: skip


def export(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    runs = _filtered_runs(request)[:EXPORT_LIMIT]
    return excel.xlsx_response(
        f"内容审核流程表-{exports.stamp()}.xlsx", exports.HEADERS, exports.rows(runs)
    )


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = queries.access_run(request.user, pk)
    context = queries.run_page(run, request.user)
    return _page(request, "review/run.html", {
        **context, "form": ActionForm(), "publish_form": PublishForm(initial={"published_at": local_now()}),
        "withdraw_form": WithdrawForm(), "now_local": local_now(),
    })  # fmt: skip


def _state(run: ReviewRun, order: int) -> StepState:
    state = get_object_or_404(StepState.objects.select_related("step"), run=run, order=order)
    state.run = run
    return state


@require_POST
def act(request: HttpRequest, pk: int, order: int, action: str) -> HttpResponse:
    """Approve, request changes or reject the step `order` of run `pk`."""
    if action not in ACTIONS:
        raise Http404
    run = queries.access_run(request.user, pk)
    state = _state(run, order)
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:run", run.pk)
    data = form.cleaned_data
    service, done = ACTIONS[action]
    kwargs: dict[str, Any] = {"by": request.user, "comment": data["comment"]}
    if action == "approve":
        kwargs.update(override_reason=data["override_reason"], evidence=data["evidence"])
    try:
        getattr(services, service)(state, **kwargs)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(step)s：%(done)s") % {"step": state.step.name, "done": done})
    return redirect("review:run", run.pk)


@require_POST
def submit(request: HttpRequest, item_pk: int) -> HttpResponse:
    queries.require_view(request.user)
    item = scopes.get_or_404(queries.visible_items(request.user), item_pk)
    try:
        run = services.submit_item(item, by=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _errors(request, exc)
        return _back(request, "review:queue")
    messages.success(
        request, _("已提交审核（修订 r%(n)s），已通知审核人") % {"n": run.revision.number}
    )
    return _back(request, reverse("review:run", args=[run.pk]))


def _variant(request: HttpRequest, pk: int) -> Variant:
    queries.require_view(request.user)
    visible = Variant.objects.filter(scopes.scope_q(request.user, Perm.CONTENT_VIEW, shared=True))
    return scopes.get_or_404(visible.select_related("item"), pk)


def _run_of(variant: Variant) -> str:
    run = variant.item.review_runs.order_by("-started_at").first()
    return reverse("review:run", args=[run.pk]) if run else reverse("review:queue")


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    variant = _variant(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, _run_of(variant))
    try:
        services.mark_published(variant, by=request.user, url=form.cleaned_data["url"],
                                published_at=form.cleaned_data["published_at"])  # fmt: skip
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("已标记已发布：%(account)s") % {"account": variant.account.name}
        )
    return _back(request, _run_of(variant))


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    variant = _variant(request, pk)
    try:
        services.mark_withdrawn(variant, by=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("已标记已撤回：%(account)s") % {"account": variant.account.name}
        )
    return _back(request, _run_of(variant))


def evidence(request: HttpRequest, pk: int, order: int) -> FileResponse:
    """The override evidence of one step, for those who may see the run."""
    run = queries.access_run(request.user, pk)
    state = _state(run, order)
    if not state.override_evidence:
        raise Http404
    return FileResponse(state.override_evidence.open("rb"), as_attachment=True,
                        filename=(state.override_evidence.name or "evidence").rsplit("/", 1)[-1])  # fmt: skip


# --- workflows -----------------------------------------------------------------------------


def _require_workflows(request: HttpRequest) -> Any:
    return queries.require_workflows(request.user)


def workflows(request: HttpRequest) -> HttpResponse:
    organisation = _require_workflows(request)
    services.default_workflow(organisation)
    qs = Workflow.objects.filter(organisation=organisation).prefetch_related("steps")
    items = list(qs.order_by("-is_active", "form", "name", "id"))
    forms, roles = dict(ContentForm.choices), dict(Role.choices)
    for workflow in items:
        workflow.form_label = forms.get(workflow.form, _("所有内容形式（默认）"))  # type: ignore[attr-defined]
        for step in workflow.steps.all():
            step.role_names = [roles.get(r, r) for r in step.roles]  # type: ignore[attr-defined]
    return _page(request, "review/workflows.html", {"workflows": items, "tab": "workflows"})


def workflow_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = _require_workflows(request)
    workflow = get_object_or_404(Workflow, pk=pk, organisation=organisation) if pk else None
    values, steps = workflow_initial(workflow)
    form = WorkflowForm(request.POST or None, initial=values)
    formset = StepFormSet(request.POST or None, initial=steps, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = services.save_workflow(
                workflow, by=request.user, organisation=organisation,
                values=form.cleaned_data, steps=named_steps(formset),
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存审核流程“%(name)s”") % {"name": saved.name})
            return redirect("review:workflows")
    return _page(request, "review/workflow_form.html", {
        "form": form, "formset": formset, "workflow": workflow, "tab": "workflows",
        "in_use": bool(workflow and workflow.runs.exists()), "now": timezone.now(),
    })  # fmt: skip
