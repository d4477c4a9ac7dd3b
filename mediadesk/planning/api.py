"""API of the planning app: goals and key results, metrics, manual values, tasks, agenda."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from mediadesk.core import scopes
from mediadesk.core.schemas import MAX_ID, ErrorOut, caller
from mediadesk.orgs.models import User
from mediadesk.planning import access, metrics, services, tasks_service
from mediadesk.planning.models import Goal, KeyResult, Task

router = Router(tags=["目标与任务"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Id = Path(..., ge=1, le=MAX_ID)


class KeyResultIn(Schema):
    metric: str = Field(..., max_length=40)
    target: Decimal
    baseline: Decimal | None = None
    scope: dict[str, Any] | None = None
    weight: Decimal | None = None


class GoalIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    level: str = Field(..., pattern="^(organisation|company|project|team|person|account)$")
    horizon: str | None = Field(None, pattern="^(short|mid|long|custom)$")
    start: dt.date
    end: dt.date
    owner: int | None = None
    parent: int | None = None
    top_level_reason: str | None = Field(None, max_length=200)
    key_results: list[KeyResultIn]


class GoalPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    start: dt.date | None = None
    end: dt.date | None = None
    owner: int | None = None
    top_level_reason: str | None = Field(None, max_length=200)


class ManualValueIn(Schema):
    key_result: int
    value: Decimal
    at: dt.date
    evidence_url: str | None = Field(None, max_length=200)


class TaskIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    owner: int | None = None
    due_at: dt.datetime | None = None
    important: bool | None = None
    urgent: bool | None = None
    goal: int | None = None
    link: str | None = Field(None, max_length=300)


class TaskPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    due_at: dt.datetime | None = None
    important: bool | None = None
    urgent: bool | None = None
    status: str | None = Field(None, pattern="^(open|done|cancelled)$")


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def key_result_out(kr: KeyResult) -> dict[str, Any]:
    """The documented key-result shape: rate is {numerator, denominator, value}."""
    return {
        "id": kr.pk,
        "metric": kr.metric,
        "target": _num(kr.target),
        "baseline": _num(kr.baseline),
        "scope": kr.scope,
        "start": kr.start,
        "end": kr.end,
        "weight": _num(kr.weight),
        "actual": _num(kr.actual),
        "rate": {
            "numerator": _num(kr.actual),
            "denominator": _num(kr.target),
            "value": _num(kr.rate),
        },
        "status": kr.status,
        "projected": _num(kr.projected),
    }


def goal_out(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "name": goal.name,
        "level": goal.level,
        "horizon": goal.horizon,
        "start": goal.start,
        "end": goal.end,
        "owner": goal.owner_id,
        "parent": goal.parent_id,
        "rate": _num(goal.rate),
        "status": goal.status,
        "warnings": goal.warnings,
        "key_results": [key_result_out(k) for k in goal.key_results.all()],
    }


def task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk, "title": t.title, "owner": t.owner_id, "due_at": t.due_at,
        "important": t.important, "urgent": t.urgent, "status": t.status,
        "source": t.source, "link": t.link,
    }  # fmt: skip


def _goal(user: Any, goal_id: int) -> Goal:
    access.require_view(user)
    return scopes.get_or_404(access.visible_goals(user).prefetch_related("key_results"), goal_id)


def _same_org_user(user: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return user
    other = User.objects.filter(pk=pk, organisation_id=user.organisation_id, is_active=True).first()
    if other is None:
        raise ValidationError({field: ["该用户不存在或不在本组织"]})
    return other


@router.get(
    "/goals/metrics", response={200: list[dict[str, Any]], 403: ErrorOut}, summary="指标目录"
)
def list_metrics(request: HttpRequest) -> Any:
    access.require_view(caller(request))
    return [
        {"code": m.code, "label": str(m.label), "source": str(m.source), "unit": str(m.unit),
         "computed": m.computed, "manual": m.manual, "scopes": list(m.scopes)}
        for m in metrics.catalogue()
    ]  # fmt: skip


@router.get("/goals", response={200: dict[str, Any], 403: ErrorOut}, summary="目标列表")
def list_goals(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)
) -> Any:
    user = caller(request)
    access.require_view(user)
    qs = access.visible_goals(user).prefetch_related("key_results").order_by("start", "id")
    return {"count": qs.count(), "items": [goal_out(g) for g in qs[offset : offset + limit]]}


@router.post("/goals", response={201: dict[str, Any], **ERRORS}, summary="新建目标")
def create_goal(request: HttpRequest, payload: GoalIn) -> Any:
    user = caller(request)
    access.require_edit(user)
    data = payload.dict()
    data["owner"] = _same_org_user(user, payload.owner, "owner")
    if payload.parent is not None:
        data["parent"] = scopes.get_or_404(access.visible_goals(user), payload.parent)
    goal = services.create_goal(user, organisation_id=user.organisation_id, data=data)
    return Status(201, goal_out(_goal(user, goal.pk)))


@router.get("/goals/{goal_id}", response={200: dict[str, Any], **ERRORS}, summary="目标详情")
def get_goal(request: HttpRequest, goal_id: int = Id) -> Any:
    return goal_out(_goal(caller(request), goal_id))


@router.patch("/goals/{goal_id}", response={200: dict[str, Any], **ERRORS}, summary="修改目标")
def patch_goal(request: HttpRequest, payload: GoalPatch, goal_id: int = Id) -> Any:
    user = caller(request)
    goal = _goal(user, goal_id)
    access.require_edit(user)
    data = payload.dict(exclude_unset=True)
    if "owner" in data:
        data["owner"] = _same_org_user(user, payload.owner, "owner")
    services.update_goal(user, goal, data)
    return goal_out(_goal(user, goal_id))


@router.post(
    "/goals/{goal_id}/manual-values",
    response={201: dict[str, Any], **ERRORS},
    summary="录入手工指标",
)
def manual_value(request: HttpRequest, payload: ManualValueIn, goal_id: int = Id) -> Any:
    user = caller(request)
    goal = _goal(user, goal_id)
    access.require_edit(user)
    services.add_manual_value(
        user, goal, key_result_id=payload.key_result, value=payload.value, at=payload.at,
        evidence_url=payload.evidence_url or "",
    )  # fmt: skip
    return Status(201, goal_out(_goal(user, goal_id)))


@router.get("/tasks", response={200: dict[str, Any], 403: ErrorOut}, summary="任务列表")
def list_tasks(
    request: HttpRequest, status: str = Query("open", pattern="^(open|done|cancelled|all)$"),
    limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0),
) -> Any:  # fmt: skip
    user = caller(request)
    access.require_view(user)
    qs = access.visible_tasks(user).order_by("due_at", "id")
    if status != "all":
        qs = qs.filter(status=status)
    return {"count": qs.count(), "items": [task_out(t) for t in qs[offset : offset + limit]]}


@router.post("/tasks", response={201: dict[str, Any], **ERRORS}, summary="新建任务")
def create_task(request: HttpRequest, payload: TaskIn) -> Any:
    user = caller(request)
    access.require_view(user)
    owner = _same_org_user(user, payload.owner, "owner")
    if owner.pk != user.pk:
        access.require_edit(user)
    data = payload.dict()
    if payload.goal is not None:
        scopes.get_or_404(access.visible_goals(user), payload.goal)
    return Status(201, task_out(tasks_service.create_task(user, owner=owner, data=data)))


@router.patch("/tasks/{task_id}", response={200: dict[str, Any], **ERRORS}, summary="修改任务")
def patch_task(request: HttpRequest, payload: TaskPatch, task_id: int = Id) -> Any:
    user = caller(request)
    access.require_view(user)
    task = scopes.get_or_404(access.visible_tasks(user), task_id)
    return task_out(tasks_service.update_task(user, task, payload.dict(exclude_unset=True)))


@router.get("/agenda", response={200: dict[str, Any], **ERRORS}, summary="今日日程")
def agenda(request: HttpRequest, date: dt.date | None = None) -> Any:
    from django.utils import timezone

    user = caller(request)
    access.require_view(user)
    data = tasks_service.agenda(user, date or timezone.localdate())
    return {**data, "date": data["date"].isoformat()}


class ScoreIn(Schema):
    indicator: str = Field(..., max_length=40)
    score: Decimal
    reason: str | None = Field(None, max_length=200)


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": ["月份格式应为 YYYY-MM"]}) from None


def scorecard_out(card: Any) -> dict[str, Any]:
    from mediadesk.planning.scorecards import adjusted_total

    return {
        "id": card.pk, "person": card.person_id, "person_name": str(card.person),
        "month": card.month.strftime("%Y-%m"), "role": card.role, "lines": card.lines,
        "total": float(card.total), "self_assessment": card.self_assessment,
        "signed": card.signed_at is not None, "adjusted_total": float(adjusted_total(card)),
        "adjustments": [{"indicator": a.indicator, "score": float(a.score), "reason": a.reason}
                        for a in card.adjustments.all()],
    }  # fmt: skip


@router.get("/scorecards", response={200: dict[str, Any], **ERRORS}, summary="月度绩效考核表")
def list_scorecards(
    request: HttpRequest, month: str = Query(..., max_length=7), person: int | None = None
) -> Any:
    from mediadesk.planning import scorecards

    user = caller(request)
    access.require_view(user)
    cards = scorecards.compute_month(user, _month(month), person)
    return {
        "count": len(cards),
        "items": [{**scorecard_out(c), "rank": i + 1} for i, c in enumerate(cards)],
    }


def _card(user: Any, card_id: int) -> Any:

    access.require_edit(user)

    return scopes.get_or_404(access.visible_cards(user), card_id)


@router.post(
    "/scorecards/{card_id}/scores", response={200: dict[str, Any], **ERRORS}, summary="手工评分"
)
def score_card(request: HttpRequest, payload: ScoreIn, card_id: int = Id) -> Any:
    from mediadesk.planning import scorecards

    user = caller(request)
    card = scorecards.set_manual_score(user, _card(user, card_id), payload.indicator, payload.score,
                                       payload.reason or "")  # fmt: skip
    return scorecard_out(card)


@router.post(
    "/scorecards/{card_id}/sign", response={200: dict[str, Any], **ERRORS}, summary="主管签核"
)
def sign_card(request: HttpRequest, card_id: int = Id) -> Any:
    from mediadesk.planning import scorecards

    user = caller(request)
    return scorecard_out(scorecards.sign(user, _card(user, card_id)))


class SelfAssessmentIn(Schema):
    text: str = Field(..., max_length=2000)


@router.post(
    "/scorecards/{card_id}/self-assessment",
    response={200: dict[str, Any], **ERRORS},
    summary="自评",
)
def self_assess(request: HttpRequest, payload: SelfAssessmentIn, card_id: int = Id) -> Any:
    from mediadesk.planning import scorecards

    user = caller(request)
    access.require_view(user)
    card = scopes.get_or_404(access.visible_cards(user), card_id)
    return scorecard_out(scorecards.self_assess(user, card, payload.text))
