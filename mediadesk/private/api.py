"""REST API of the private domain under /api/v1/private/ (paths and keys fixed by issue 12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from mediadesk.core import audit
from mediadesk.core.phone import mask
from mediadesk.core.scopes import get_or_404, has_perm, organisation_ids
from mediadesk.orgs.models import Organisation
from mediadesk.private import mass, perms, queries, services, sync, timeline, wecom
from mediadesk.private.models import MassSend, Member, MergeProposal, Segment, WeComSettings

router = Router(tags=["private"])

EventKind = Literal[
    "page_view", "course_view", "purchase", "group_join", "group_leave", "live_attend"
]


class EventIn(Schema):
    event_id: str = Field(min_length=1, max_length=80)
    kind: EventKind
    at: datetime
    unionid: str | None = None
    openid: str | None = None
    phone: str | None = None
    amount: float | None = Field(default=None, ge=0)
    meta: dict[str, Any] | None = None


class EventsIn(Schema):
    items: list[EventIn] = Field(max_length=5000)


class SegmentIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    rules: dict[str, Any]


class MassSendIn(Schema):
    segment: int
    text: str = Field(min_length=1, max_length=4000)
    sender: str = Field(min_length=1, max_length=64)


class ConsentIn(Schema):
    source: str = Field(min_length=1, max_length=40)
    scope: str = Field(min_length=1, max_length=80)
    at: datetime | None = None


class TagsIn(Schema):
    tags: list[str] = Field(max_length=50)


def _wecom_failed(exc: wecom.WeComError) -> Status:
    return Status(502, {"detail": _("企业微信返回错误：%(e)s") % {"e": exc}, "errors": []})


def _org(request: HttpRequest, perm: str) -> Organisation:
    if not has_perm(request.user, perm):
        raise PermissionDenied(_("没有私域权限"))
    return Organisation.objects.get(pk=min(organisation_ids(request.user)))


def _row(m: Member, full: bool) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "phone": m.phone if full else mask(m.phone),
        "stage": m.stage,
        "sources": m.sources,
        "last_active_at": m.last_active_at,
        "owner": m.owner.get_username() if m.owner else None,
    }


def _page(request: HttpRequest, qs: Any) -> dict[str, Any]:
    try:
        limit = max(1, min(int(request.GET.get("limit", 50)), 500))
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError as exc:
        raise ValidationError({"limit": [_("limit 和 offset 应为整数")]}) from exc
    full = has_perm(request.user, perms.PHONE)
    rows = qs.select_related("owner").order_by("-id")[offset : offset + limit]
    return {"items": [_row(m, full) for m in rows], "count": qs.count()}


@router.get("/private/members")
def members(request: HttpRequest) -> dict[str, Any]:
    qs = queries.members_for(request.user)
    _org(request, perms.VIEW)
    rules = {
        k: request.GET.get(k) for k in ("stage", "tag", "source", "project", "silent_days", "q")
    }
    if request.GET.get("segment"):
        seg = get_or_404(
            Segment.objects.filter(organisation_id__in=organisation_ids(request.user)),
            request.GET["segment"],
        )
        qs = queries.apply_rules(qs, seg.rules)
    return _page(request, queries.apply_rules(qs, rules))


@router.get("/private/members/{member_id}")
def member(request: HttpRequest, member_id: int) -> dict[str, Any]:
    _org(request, perms.VIEW)
    m = get_or_404(queries.members_for(request.user), member_id)
    row = _row(m, has_perm(request.user, perms.PHONE))
    row["timeline"] = timeline.timeline(m)
    row["stage_history"] = [
        {"from": c.from_stage, "to": c.to_stage, "at": c.at, "reason": c.reason}
        for c in m.stage_history.all()
    ]
    return row


@router.post("/private/members/{member_id}/reveal")
def reveal(request: HttpRequest, member_id: int) -> dict[str, Any]:
    _org(request, perms.PHONE)
    m = get_or_404(queries.members_for(request.user), member_id)
    audit.record(actor=request.user, action="private.reveal", target=m, changes={})
    return {"phone": m.phone}


@router.post("/private/events")
def events(request: HttpRequest, body: EventsIn) -> dict[str, int]:
    org = _org(request, perms.INGEST)
    return services.ingest(org, [i.dict() for i in body.items])


@router.get("/private/segments")
def segments(request: HttpRequest) -> dict[str, Any]:
    org = _org(request, perms.VIEW)
    base = queries.members_for(request.user)
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "rules": s.rules,
            "count": queries.apply_rules(base, s.rules).count(),
        }
        for s in Segment.objects.filter(organisation=org)
    ]
    return {"items": items, "count": len(items)}


@router.post("/private/segments", response={201: dict})
def create_segment(request: HttpRequest, body: SegmentIn) -> Status:
    org = _org(request, perms.MANAGE)
    allowed = {"stage", "tag", "source", "project", "silent_days", "owner", "min_purchases", "q",
               "active_within", "min_amount", "group"}  # fmt: skip
    unknown = set(body.rules) - allowed
    if unknown:
        raise ValidationError({"rules": [_("未知规则：%(r)s") % {"r": ", ".join(sorted(unknown))}]})
    seg = Segment.objects.create(
        organisation=org,
        name=body.name,
        rules=body.rules,
        created_by=request.user if request.user.is_authenticated else None,
    )
    audit.record(
        actor=request.user,
        action="private.segment_create",
        target=seg,
        changes={"rules": [None, body.rules]},
    )
    return Status(201, {"id": seg.pk, "name": seg.name, "rules": seg.rules})


@router.get("/private/segments/{segment_id}/members")
def segment_members(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    org = _org(request, perms.VIEW)
    seg = get_or_404(Segment.objects.filter(organisation=org), segment_id)
    return _page(request, queries.apply_rules(queries.members_for(request.user), seg.rules))


@router.get("/private/figures")
def figures(request: HttpRequest, month: str) -> dict[str, Any]:
    org = _org(request, perms.VIEW)
    try:
        day = datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise ValidationError({"month": [_("格式应为 YYYY-MM")]}) from exc
    return queries.figures(org, date(day.year, day.month, 1))


@router.post("/private/wecom/callback", auth=None)
def callback(request: HttpRequest, org: int) -> HttpResponse:
    cfg = WeComSettings.objects.filter(organisation_id=org).first()
    if cfg is None:
        return HttpResponse("unknown", status=404)
    try:
        fields = wecom.verify_and_open(
            cfg, {k: str(v) for k, v in request.GET.items()}, request.body
        )
    except Exception:  # bad signature, corp id, padding, XML or base64: nothing is stored
        return HttpResponse("bad signature", status=403)
    stored = wecom.store(cfg, fields)
    if stored is not None:
        from mediadesk.private.tasks import process_callback

        process_callback(stored.pk)  # a failure leaves it unprocessed: the hourly job retries
    return HttpResponse("success")


@router.get("/private/wecom/callback", auth=None)
def verify_url(request: HttpRequest, org: int) -> HttpResponse:
    """WeCom's URL check when the callback is configured: echo the decrypted `echostr`."""
    cfg = WeComSettings.objects.filter(organisation_id=org).first()
    if cfg is None:
        return HttpResponse("unknown", status=404)
    try:
        plain = wecom.verify_echo(cfg, {k: str(v) for k, v in request.GET.items()})
    except Exception:
        return HttpResponse("bad signature", status=403)
    return HttpResponse(plain, content_type="text/plain")


def _send_row(s: MassSend) -> dict[str, Any]:
    return {
        "id": s.pk,
        "segment": s.segment_id,
        "text": s.text,
        "sender": s.sender,
        "status": s.status,
        "created_at": s.created_at,
        "pulled_at": s.pulled_at,
        "counts": mass.counts(s),
    }


@router.get("/private/mass-sends")
def mass_sends(request: HttpRequest) -> dict[str, Any]:
    org = _org(request, perms.VIEW)
    rows = MassSend.objects.filter(organisation=org).order_by("-id")[:200]
    return {
        "items": [_send_row(s) for s in rows],
        "count": MassSend.objects.filter(organisation=org).count(),
    }


@router.post("/private/mass-sends", response={201: dict, 502: dict})
def create_mass_send(request: HttpRequest, body: MassSendIn) -> Status:
    org = _org(request, perms.MANAGE)
    seg = get_or_404(Segment.objects.filter(organisation=org), body.segment)
    try:
        send = mass.create(seg, text=body.text, sender=body.sender, by=request.user)
    except wecom.WeComError as exc:
        return _wecom_failed(exc)
    return Status(201, _send_row(send))


@router.post("/private/mass-sends/{send_id}/pull", response={200: dict, 502: dict})
def pull_mass_send(request: HttpRequest, send_id: int) -> Any:
    org = _org(request, perms.MANAGE)
    send = get_or_404(MassSend.objects.filter(organisation=org), send_id)
    try:
        mass.pull(send)
    except wecom.WeComError as exc:
        return _wecom_failed(exc)
    return _send_row(send)


@router.post("/private/mass-sends/{send_id}/remind", response={200: dict, 502: dict})
def remind_mass_send(request: HttpRequest, send_id: int) -> Any:
    org = _org(request, perms.MANAGE)
    send = get_or_404(MassSend.objects.filter(organisation=org), send_id)
    try:
        mass.remind(send, by=request.user)
    except wecom.WeComError as exc:
        return _wecom_failed(exc)
    return _send_row(send)


@router.put("/private/members/{member_id}/tags", response={200: dict, 502: dict})
def set_tags(request: HttpRequest, member_id: int, body: TagsIn) -> Any:
    _org(request, perms.MANAGE)
    m = get_or_404(queries.members_for(request.user), member_id)
    try:
        local_only = sync.set_tags(m, body.tags, by=request.user)
    except wecom.WeComError as exc:
        return _wecom_failed(exc)
    return {"tags": m.tags, "local_only": local_only}


@router.post("/private/members/{member_id}/erase")
def erase(request: HttpRequest, member_id: int) -> dict[str, Any]:
    _org(request, perms.MANAGE)
    m = get_or_404(queries.members_for(request.user), member_id)
    services.erase(m, by=request.user)
    return {"id": m.pk, "erased_at": m.erased_at}


@router.get("/private/merges")
def merges(request: HttpRequest) -> dict[str, Any]:
    org = _org(request, perms.MANAGE)
    qs = MergeProposal.objects.filter(organisation=org).order_by("-id")
    items = [
        {"id": p.pk, "keep": p.keep_id, "other": p.other_id, "reason": p.reason, "status": p.status}
        for p in qs[:200]
    ]
    return {"items": items, "count": qs.count()}


@router.post("/private/merges/{proposal_id}/merge")
def do_merge(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    org = _org(request, perms.MANAGE)
    p = get_or_404(MergeProposal.objects.filter(organisation=org), proposal_id)
    services.merge(p, by=request.user)
    return {"id": p.pk, "status": p.status}


@router.post("/private/merges/{proposal_id}/undo")
def undo_merge(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    org = _org(request, perms.MANAGE)
    p = get_or_404(MergeProposal.objects.filter(organisation=org), proposal_id)
    services.undo_merge(p, by=request.user)
    return {"id": p.pk, "status": p.status}


@router.post("/private/wecom/sync", response={200: dict, 502: dict})
def wecom_sync(request: HttpRequest) -> Any:
    org = _org(request, perms.MANAGE)
    cfg = WeComSettings.objects.filter(organisation=org).first()
    if cfg is None:
        raise ValidationError({"wecom": [_("未配置企业微信")]})
    try:
        return sync.sync_all(cfg)
    except wecom.WeComError as exc:
        return _wecom_failed(exc)


@router.post("/private/members/{member_id}/consents", response={201: dict})
def add_consent(request: HttpRequest, member_id: int, body: ConsentIn) -> Status:
    _org(request, perms.MANAGE)
    m = get_or_404(queries.members_for(request.user), member_id)
    c = services.record_consent(
        m, source=body.source, scope=body.scope, at=body.at, by=request.user
    )
    return Status(201, {"id": c.pk, "source": c.source, "scope": c.scope, "at": c.at})
