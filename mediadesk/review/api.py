"""API of the review app: the review list, acting on a step, submitting an item."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status

from mediadesk.core import scopes
from mediadesk.core.api_support import listed, who
from mediadesk.core.schemas import MAX_ID, ErrorOut, Page, PageIn, caller
from mediadesk.review import queries, services
from mediadesk.review.filters import QueueFilters, RunFilters
from mediadesk.review.models import ReviewRun, StepState, Workflow
from mediadesk.review.schemas import ActionIn, ApproveIn, QueueStepOut, RunOut

router = Router(tags=[_("内容审核")])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
RunId = Path(..., ge=1, le=MAX_ID)
ItemId = Path(..., ge=1, le=MAX_ID)
Order = Path(..., ge=1, le=100)


def _fresh(user: Any, run_id: int) -> ReviewRun:
    """The run as the answer shows it, steps included."""
    return queries.with_steps(queries.visible_runs(user)).get(pk=run_id)


def _step(user: Any, run_id: int, order: int) -> StepState:
    run = queries.access_run(user, run_id)
    state = StepState.objects.select_related("step").filter(run=run, order=order).first()
    if state is None:
        raise Http404
    state.run = run
    return state


@router.get(
    "/reviews",
    response={200: Page[RunOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary=_("审核列表"),
    description=who(_("内容查看（content.view）")) + _("。筛选与审核流程表页面相同。"),
)
def list_reviews(request: HttpRequest, filters: Query[RunFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.with_steps(queries.visible_runs(user)), filters, page)


@router.get(
    "/reviews/queue",
    response={200: Page[QueueStepOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary=_("待我审核"),
    description=who(_("审核人本人：本人可处理的待审步骤（不含自己提交或负责的内容）"))
    + _("，等待最久的在前，与待我审核页面相同。"),
)
def review_queue(request: HttpRequest, filters: Query[QueueFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.my_queue(user), filters, page)


class WorkflowStepOut(Schema):
    order: int
    name: str
    roles: list[str]
    checklist: str
    only_when_risky: bool


class WorkflowOut(Schema):
    id: int
    name: str
    form: str
    is_active: bool
    remind_after_hours: int
    steps: list[WorkflowStepOut]

    @staticmethod
    def resolve_steps(obj: Workflow) -> list[Any]:
        return list(obj.steps.all())


@router.get(
    "/reviews/workflows",
    response={200: Page[WorkflowOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary=_("审核流程"),
    description=who(_("组织级的部门负责人或管理员"))
    + _("。与审核流程页相同的顺序（启用的在前）。"),
)
def list_workflows(request: HttpRequest, page: Query[PageIn]) -> Any:
    organisation = queries.require_workflows(caller(request))
    services.default_workflow(organisation)
    qs = Workflow.objects.filter(organisation=organisation).prefetch_related("steps")
    ordered = qs.order_by("-is_active", "form", "name", "id")
    items = list(ordered[page.offset : page.offset + page.limit])
    return {"items": items, "count": ordered.count()}


@router.get(
    "/reviews/{run_id}", response={200: RunOut, 403: ErrorOut, 404: ErrorOut}, summary=_("审核详情")
)
def get_review(request: HttpRequest, run_id: int = RunId) -> Any:
    user = caller(request)
    return _fresh(user, queries.access_run(user, run_id).pk)


@router.post(
    "/reviews/{run_id}/steps/{order}/approve",
    response={200: RunOut, **ERRORS},
    summary=_("通过本步骤"),
)
def approve(
    request: HttpRequest, payload: ApproveIn, run_id: int = RunId, order: int = Order
) -> Any:
    user = caller(request)
    state = _step(user, run_id, order)
    services.approve_step(
        state, by=user, comment=payload.comment, override_reason=payload.override_reason
    )
    return _fresh(user, run_id)


@router.post(
    "/reviews/{run_id}/steps/{order}/changes",
    response={200: RunOut, **ERRORS},
    summary=_("要求修改"),
)
def changes(
    request: HttpRequest, payload: ActionIn, run_id: int = RunId, order: int = Order
) -> Any:
    user = caller(request)
    services.request_changes(_step(user, run_id, order), by=user, comment=payload.comment)
    return _fresh(user, run_id)


@router.post(
    "/reviews/{run_id}/steps/{order}/reject", response={200: RunOut, **ERRORS}, summary=_("驳回")
)
def reject(request: HttpRequest, payload: ActionIn, run_id: int = RunId, order: int = Order) -> Any:
    user = caller(request)
    services.reject(_step(user, run_id, order), by=user, comment=payload.comment)
    return _fresh(user, run_id)


@router.post(
    "/content/items/{item_id}/submit", response={201: RunOut, **ERRORS}, summary=_("提交审核")
)
def submit(request: HttpRequest, item_id: int = ItemId) -> Any:
    user = caller(request)
    queries.require_view(user)
    item = scopes.get_or_404(queries.visible_items(user), item_id)
    run = services.submit_item(item, by=user)
    return Status(201, _fresh(user, run.pk))
