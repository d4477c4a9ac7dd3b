"""API of the live app: sessions, plans, figures, checklist confirm, 话术."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from mediadesk.core.schemas import MAX_ID, ErrorOut, caller
from mediadesk.live import access, queries, rules, services
from mediadesk.live.labels import CHECK_LABELS
from mediadesk.live.models import Figures, Script, Session, SessionType, Status
from mediadesk.matrix import queries as matrix_queries
from mediadesk.orgs.models import Project

router = Router(tags=["直播"])
SessionId = Path(..., ge=1, le=MAX_ID)
COUNT = Field(None, ge=0, le=2_000_000_000)


class SessionFilters(Schema):
    account: int | None = Field(None, ge=1, le=MAX_ID)
    anchor: int | None = Field(None, ge=1, le=MAX_ID)
    status: Status | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class SessionIn(Schema):
    account: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., min_length=1, max_length=60)
    planned_start: dt.datetime
    planned_end: dt.datetime
    type: str = Field(SessionType.PROMO.value, min_length=1, max_length=12)
    anchors: list[int] = Field(default_factory=list, max_length=10)
    project: int | None = Field(None, ge=1, le=MAX_ID)


class SessionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=60)
    theme: str | None = Field(None, max_length=120)
    script: str | None = Field(None, max_length=20000)
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None
    type: str | None = Field(None, min_length=1, max_length=12)
    status: Status | None = None
    reason: str = Field("", max_length=200)
    target_viewers: int | None = COUNT
    target_leads: int | None = COUNT


class FiguresIn(Schema):
    viewers: int = Field(..., ge=0, le=2_000_000_000)
    views: int | None = COUNT
    peak_online: int | None = COUNT
    avg_online: int | None = COUNT
    avg_watch_seconds: int | None = COUNT
    new_followers: int | None = COUNT
    fan_club_joins: int | None = COUNT
    commenters: int | None = COUNT
    comments: int | None = COUNT
    likes: int | None = COUNT
    shares: int | None = COUNT
    leads: int | None = COUNT
    online_curve: list[int] | None = Field(None, max_length=24 * 60)


class PlanIn(Schema):
    account: int = Field(..., ge=1, le=MAX_ID)
    weekdays: list[int] = Field(..., min_length=1, max_length=7)
    start: dt.time
    end: dt.time
    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    type: str = Field(SessionType.PROMO.value, min_length=1, max_length=12)


def checklist_of(session: Session) -> list[dict[str, Any]]:
    labels = dict(CHECK_LABELS)
    return [
        {
            "code": i.code,
            "label": str(labels[i.code]),
            "done": i.done,
            "auto": i.auto,
            "due_at": i.due_at,
        }
        for i in session.checklist.all()
    ]


def figures_of(f: Figures | None) -> dict[str, Any] | None:
    if f is None:
        return None
    values = {k: getattr(f, k) for k in FIGURE_KEYS}
    return {**values, "rates": {k: r.as_dict() for k, r in rules.rates(values).items()}}


def session_out(s: Session) -> dict[str, Any]:
    done, total = services.readiness(s)
    return {
        "id": s.pk,
        "account": s.account_id,
        "project": s.project_id,
        "title": s.title,
        "type": s.type,
        "status": s.status,
        "planned_start": s.planned_start,
        "planned_end": s.planned_end,
        "anchors": [a.pk for a in s.anchors.all()],
        "guest": s.guest,
        "theme": s.theme,
        "readiness": {"done": done, "total": total},
        "checklist": checklist_of(s),
        "figures": figures_of(getattr(s, "figures", None)),
        "offers": [
            {
                "unit": o.unit,
                "area": str(o.area),
                "list_price": o.list_price,
                "offer_price": o.offer_price,
                "quantity": o.quantity,
            }
            for o in s.offers.all()
        ],
    }


FIGURE_KEYS = (
    "viewers",
    "views",
    "peak_online",
    "avg_online",
    "avg_watch_seconds",
    "new_followers",
    "fan_club_joins",
    "commenters",
    "comments",
    "likes",
    "shares",
    "leads",
)


def _prefetched(qs: Any) -> Any:
    return qs.prefetch_related("checklist", "anchors", "offers").select_related("figures")


@router.get(
    "/live/sessions", response={200: dict, 403: ErrorOut, 422: ErrorOut}, summary="直播场次列表"
)
def list_sessions(
    request: HttpRequest,
    filters: Query[SessionFilters],
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    user = caller(request)
    access.require_view(user)
    params = {k: str(v) for k, v in filters.model_dump(exclude_none=True).items()}
    qs = queries.filter_sessions(access.visible_sessions(user), params)
    rows = _prefetched(qs)[offset : offset + limit]
    return {"items": [session_out(s) for s in rows], "count": qs.count()}


def _anchors(user: Any, ids: list[int]) -> list[Any]:
    users = list(get_user_model().objects.filter(pk__in=ids, organisation_id=user.organisation_id))
    if len(users) != len(set(ids)):
        raise ValidationError({"anchors": _("主播必须是本组织的用户")})
    return users


def _project(user: Any, pk: int | None) -> Project | None:
    if pk is None:
        return None
    project = Project.objects.filter(pk=pk, organisation_id=user.organisation_id).first()
    if project is None:
        raise ValidationError({"project": _("项目不存在")})
    return project


@router.post(
    "/live/sessions",
    response={201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="创建直播场次",
)
def create_session(request: HttpRequest, payload: SessionIn) -> Any:
    user = caller(request)
    access.require_manage(user)
    account = matrix_queries.access_account(user, payload.account)
    session = services.create_session(
        by=user,
        account=account,
        title=payload.title,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        type=payload.type,
        anchors=_anchors(user, payload.anchors),
        project=_project(user, payload.project),
    )
    return 201, session_out(_prefetched(Session.objects).get(pk=session.pk))


@router.get(
    "/live/sessions/{session_id}",
    response={200: dict, 403: ErrorOut, 404: ErrorOut},
    summary="直播场次详情（含开播前准备清单）",
)
def get_session(request: HttpRequest, session_id: int = SessionId) -> Any:
    session = access.access_session(caller(request), session_id)
    return session_out(_prefetched(Session.objects).get(pk=session.pk))


@router.patch(
    "/live/sessions/{session_id}",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="修改直播场次或变更状态",
)
def patch_session(request: HttpRequest, payload: SessionPatch, session_id: int = SessionId) -> Any:
    user = caller(request)
    session = access.access_session(user, session_id)
    values = payload.model_dump(exclude_unset=True)
    status, reason = values.pop("status", None), values.pop("reason", "")
    if values:
        session = services.update_session(session, by=user, values=values)
    if status and status != session.status:
        session = services.change_status(session, by=user, to=status, reason=reason)
    return session_out(_prefetched(Session.objects).get(pk=session.pk))


@router.post(
    "/live/sessions/{session_id}/figures",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="录入直播数据",
)
def post_figures(request: HttpRequest, payload: FiguresIn, session_id: int = SessionId) -> Any:
    user = caller(request)
    session = access.access_session(user, session_id)
    figures = services.save_figures(session, by=user, values=payload.model_dump(exclude_unset=True))
    return figures_of(figures)


@router.post(
    "/live/sessions/{session_id}/checklist/{code}/confirm",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="确认开播前准备项",
)
def confirm(request: HttpRequest, code: str, session_id: int = SessionId) -> Any:
    user = caller(request)
    session = access.access_session(user, session_id)
    item = services.confirm_item(session, code[:20], by=user)
    return {
        "code": item.code,
        "done": item.done,
        "auto": item.auto,
        "due_at": item.due_at,
        "label": str(dict(CHECK_LABELS)[item.code]),
    }


@router.get("/live/scripts", response={200: dict, 403: ErrorOut}, summary="话术库")
def list_scripts(
    request: HttpRequest,
    category: str = "",
    state: str = "",
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    user = caller(request)
    access.require_view(user)
    qs = Script.objects.filter(organisation_id=user.organisation_id)
    if category:
        qs = qs.filter(category=category)
    if state:
        qs = qs.filter(state=state)
    items = [
        {
            "id": s.pk,
            "category": s.category,
            "text": s.text,
            "state": s.state,
            "usage_count": s.usage_count,
            "rating": s.rating,
            "tags": s.tags,
            "project": s.project_id,
        }
        for s in qs[offset : offset + limit]
    ]
    return {"items": items, "count": qs.count()}


@router.post(
    "/live/plans",
    response={201: list[dict], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="按固定时段生成一个月的直播场次",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    user = caller(request)
    access.require_manage(user)
    account = matrix_queries.access_account(user, payload.account)
    if any(not 0 <= d <= 6 for d in payload.weekdays):
        raise ValidationError({"weekdays": _("星期取值 0（周一）到 6（周日）")})
    year, month = (int(x) for x in payload.month.split("-"))
    sessions = services.generate_plan(
        by=user,
        account=account,
        year=year,
        month=month,
        weekdays=payload.weekdays,
        start=payload.start,
        end=payload.end,
        type=payload.type,
    )
    ids = [s.pk for s in sessions]
    return 201, [session_out(s) for s in _prefetched(Session.objects.filter(pk__in=ids))]
