"""The engagement API contract (exact paths and keys; integrations rely on them)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from mediadesk.core import scopes
from mediadesk.core.schemas import MAX_ID, ErrorOut, Page, caller
from mediadesk.engagement import library, opinion, perms, queries, rules, services
from mediadesk.engagement.models import Message, StandardReply
from mediadesk.engagement.schemas import (
    AssignIn,
    IncidentOut,
    MentionIn,
    MessageFilters,
    MessageIn,
    MessageLeadIn,
    MessageLeadOut,
    MessageRow,
    ReplyIn,
    ReplyOut,
    SentimentIn,
    SentimentOut,
    StandardReplyIn,
    StandardReplyOut,
)
from mediadesk.orgs.models import Project, User

router = Router(tags=["互动与舆情"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PathId = Path(..., ge=1, le=MAX_ID)


def _need(user: Any, *codes: str) -> None:
    if not any(scopes.has_perm(user, c) for c in codes):
        raise PermissionDenied(_("没有权限"))


@router.post("/sentiment", response={200: SentimentOut, **ERRORS}, summary="情感分析（离线词典）")
def sentiment(request: HttpRequest, payload: SentimentIn) -> Any:
    user = caller(request)
    _need(user, perms.VIEW, perms.OPINION_VIEW)
    return services.engine(user.organisation_id).analyse(payload.text).as_dict()


# --- inbox ----------------------------------------------------------------------------------


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise HttpError(400, "invalid json") from None


def _validated(adapter: TypeAdapter[Any], data: Any, prefix: tuple[Any, ...] = ()) -> Any:
    try:
        return adapter.validate_python(data)
    except PydanticError as exc:
        errors = [{**e, "loc": ("body", *prefix, *e["loc"])} for e in exc.errors(include_url=False)]
        raise NinjaValidationError(errors) from None


def _incoming(item: MessageIn) -> services.Incoming:
    author = item.author
    name, author_id, followers = (author, "", None) if isinstance(author, str) or author is None else (author.name, author.id, author.followers)  # fmt: skip
    return services.Incoming(
        platform=item.platform, kind=item.kind, external_id=item.external_id, text=item.text,
        received_at=item.received_at, account_id=item.account, post_url=item.post_url,
        author_id=author_id, author_name=name or "", author_followers=followers,
        parent_external_id=item.parent_external_id, thread_key=item.thread,
    )  # fmt: skip


def message_out(m: Message) -> dict[str, Any]:
    return {"id": m.pk, "status": m.status, "sentiment": m.effective_polarity, "due_at": m.due_at, "lead_candidate": m.lead_candidate}  # fmt: skip


SINGLE = TypeAdapter(MessageIn)
MANY = TypeAdapter(list[MessageIn])


@router.post("/inbox/messages", response={200: dict, 201: dict, **ERRORS}, summary="接入互动消息（幂等；items 批量至多 500 条）", openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"oneOf": [MessageIn.model_json_schema(), {"type": "object", "properties": {"items": {"type": "array", "maxItems": 500}}}]}}}}})  # fmt: skip
def ingest_messages(request: HttpRequest) -> Any:
    user = caller(request)
    _need(user, perms.INGEST)
    data = _body(request)
    batch = isinstance(data, dict) and set(data) == {"items"}
    if batch:
        if not isinstance(data["items"], list) or len(data["items"]) > services.MAX_BATCH:
            raise ValidationError({"items": _("items 应为至多 500 条的列表")})
        items = _validated(MANY, data["items"], ("items",))
    else:
        items = [_validated(SINGLE, data)]
    stored = services.ingest(user.organisation, [_incoming(i) for i in items], by=user)
    if batch:
        return Status(200, {"items": [message_out(m) for m, _c in stored]})
    message, created = stored[0]
    return Status(201 if created else 200, message_out(message))


def row_out(m: Message) -> dict[str, Any]:
    return message_out(m) | {
        "platform": m.platform.code, "kind": m.kind, "account": m.account_id, "post": m.variant_id,
        "post_url": m.post_url, "external_id": m.external_id, "author": m.author_name,
        "text": rules.mask_phones(m.text) if not getattr(m, "_phones", False) else m.text,
        "received_at": m.received_at, "assignee": m.assignee_id, "score": m.score,
        "words": m.sentiment_words, "tags": m.tags, "time_left_minutes": queries.time_left(m),
        "first_response_at": m.first_response_at, "suggestions": m.suggestions,
    }  # fmt: skip


def sees_phones(user: Any) -> bool:
    from mediadesk.orgs.roles import Perm

    return scopes.has_perm(user, Perm.LEADS_PHONE)


@router.get("/inbox/messages", response={200: Page[MessageRow], **ERRORS}, summary="互动消息列表")
def list_messages(request: HttpRequest, filters: Query[MessageFilters]) -> Any:
    user = caller(request)
    _need(user, perms.VIEW)
    params = {
        k: ("1" if v is True else v) for k, v in filters.model_dump(exclude_none=True).items()
    }
    rows = queries.filtered(queries.visible_messages(user), params, user=user).select_related("platform")  # fmt: skip
    page = list(rows[filters.offset : filters.offset + filters.limit])
    full = sees_phones(user)
    for m in page:
        m._phones = full  # type: ignore[attr-defined]
    return {"items": [row_out(m) for m in page], "count": queries.capped_count(rows)}


def reply_out(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "message": r.message_id, "state": r.state, "text": r.text, "platform_reply_id": r.platform_reply_id, "findings": r.findings}  # fmt: skip


@router.post("/inbox/messages/{message_id}/reply", response={201: ReplyOut, **ERRORS}, summary="回复（合规检查；block 拒绝）")  # fmt: skip
def reply(request: HttpRequest, payload: ReplyIn, message_id: int = PathId) -> Any:
    user = caller(request)
    message = queries.access_message(user, message_id)
    if not payload.text.strip() and payload.reply_id is None:
        raise ValidationError({"text": _("text 或 reply_id 必填其一")})
    try:
        row = services.reply(
            message, by=user, text=payload.text, standard_reply_id=payload.reply_id
        )
    except services.Refused as exc:
        raise ValidationError([f"{f['term']}：{f.get('suggestion') or f.get('message') or f['category']}" for f in exc.findings if f["severity"] == "block"]) from None  # fmt: skip
    return Status(201, reply_out(row))


@router.post("/inbox/messages/{message_id}/assign", response={200: MessageRow, **ERRORS}, summary="分配")  # fmt: skip
def assign(request: HttpRequest, payload: AssignIn, message_id: int = PathId) -> Any:
    user = caller(request)
    message = queries.access_message(user, message_id)
    to = User.objects.filter(pk=payload.user, organisation_id=message.organisation_id).first() if payload.user else None  # fmt: skip
    if payload.user and to is None:
        raise ValidationError({"user": _("用户不存在")})
    message = services.assign(message, to=to, by=user)
    message._phones = sees_phones(user)  # type: ignore[attr-defined]
    return row_out(message)


@router.post("/inbox/messages/{message_id}/lead", response={201: MessageLeadOut, **ERRORS}, summary="转线索")  # fmt: skip
def to_lead(request: HttpRequest, payload: MessageLeadIn, message_id: int = PathId) -> Any:
    from mediadesk.leads.models import Opportunity

    user = caller(request)
    message = queries.access_message(user, message_id)
    project = Project.objects.filter(pk=payload.project, organisation_id=message.organisation_id).first()  # fmt: skip
    if project is None:
        raise ValidationError({"project": _("项目不存在")})
    touch = services.to_lead(message, project=project, by=user, phone=payload.phone, name=payload.name)  # fmt: skip
    opp = Opportunity.objects.get(project=project, customer_id=touch.customer_id)
    return Status(201, {"touch": touch.pk, "customer": touch.customer_id, "opportunity": opp.pk, "consultant": opp.consultant_id, "source": touch.source, "variant": touch.variant_id})  # fmt: skip


# --- standard replies ---------------------------------------------------------------------------


def standard_out(r: StandardReply) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("category", "title", "text", "keywords", "platforms", "state", "findings", "usage_count", "last_used_at")} | {"id": r.pk}  # fmt: skip


@router.get("/inbox/replies", response={200: Page[StandardReplyOut], **ERRORS}, summary="标准化话术库")  # fmt: skip
def list_replies(request: HttpRequest, category: str = "", state: str = "", limit: int = 100, offset: int = 0) -> Any:  # fmt: skip
    user = caller(request)
    _need(user, perms.VIEW, perms.REPLIES)
    rows = StandardReply.objects.filter(organisation_id=user.organisation_id)
    if category:
        rows = rows.filter(category=category)
    if state:
        rows = rows.filter(state=state)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return {
        "items": [standard_out(r) for r in rows[offset : offset + limit]],
        "count": rows.count(),
    }


@router.post("/inbox/replies", response={201: StandardReplyOut, **ERRORS}, summary="新增标准话术（合规检查后可用）")  # fmt: skip
def create_reply(request: HttpRequest, payload: StandardReplyIn) -> Any:
    user = caller(request)
    row = library.save(user.organisation, payload.model_dump(), by=user)
    return Status(201, standard_out(row))


# --- opinion ------------------------------------------------------------------------------------

MENTIONS = TypeAdapter(list[MentionIn])
ONE_MENTION = TypeAdapter(MentionIn)


@router.post("/opinion/mentions", response={200: dict, 201: dict, **ERRORS}, summary="录入舆情信息（去重；items 批量）")  # fmt: skip
def ingest_mentions(request: HttpRequest) -> Any:
    user = caller(request)
    _need(user, perms.OPINION_MANAGE)
    data = _body(request)
    batch = isinstance(data, dict) and set(data) == {"items"}
    if batch and (not isinstance(data["items"], list) or len(data["items"]) > opinion.MAX_MENTIONS):
        raise ValidationError({"items": _("items 应为至多 500 条的列表")})
    items = _validated(MENTIONS, data["items"], ("items",)) if batch else [_validated(ONE_MENTION, data)]  # fmt: skip
    stored = opinion.ingest_mentions(user.organisation, [opinion.MentionIn(**i.model_dump()) for i in items], by=user)  # fmt: skip
    out = []
    for mention, created in stored:
        mention.refresh_from_db(fields=["incident"])
        out.append({"id": mention.pk, "created": created, "polarity": mention.polarity, "terms": mention.terms, "incident": mention.incident_id})  # fmt: skip
    if batch:
        return Status(200, {"items": out})
    return Status(201 if out[0]["created"] else 200, out[0])


@router.get("/opinion/incidents", response={200: Page[IncidentOut], **ERRORS}, summary="舆情事件")
def list_incidents(request: HttpRequest, state: str = "", limit: int = 50, offset: int = 0) -> Any:
    user = caller(request)
    _need(user, perms.OPINION_VIEW)
    rows = queries.visible_incidents(user).select_related("grade")
    if state:
        rows = rows.filter(state=state)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    items = [
        {"id": i.pk, "title": i.title, "grade": i.grade.level, "grade_name": i.grade.name, "state": i.state,
         "step": i.step, "owner": i.owner_id, "detected_at": i.detected_at, "first_response_due": i.first_response_due,
         "first_response_at": i.first_response_at, "closed_at": i.closed_at, "action": i.action,
         "mentions": i.mentions.count()}
        for i in rows[offset : offset + limit]
    ]  # fmt: skip
    return {"items": items, "count": rows.count()}
