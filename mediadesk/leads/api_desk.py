"""The leads desk through the API: every list of the pages with the page's filters (one
FilterSet each, see leads/filters.py) and every write of the customer page, pool, disputes and
referrals, calling the same services with the same checks and audit entries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Path, Query, Status, UploadedFile

from mediadesk.core import phone, scopes
from mediadesk.core.api_support import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ImportDoneOut,
    ImportPreviewOut,
    listed,
    pending,
    preview_answer,
    read_file,
    who,
)
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.imports import discard
from mediadesk.core.schemas import MAX_ID, Page, PageIn, caller
from mediadesk.leads import access, arbitration, attribution, imports, pool, queries, services
from mediadesk.leads import filters as f
from mediadesk.leads.api_router import router
from mediadesk.leads.models import (
    Broker,
    Campaign,
    Channel,
    Customer,
    Deal,
    Dispute,
    FollowUp,
    Opportunity,
    Referral,
    Report,
    Source,
    ViewingTrip,
)
from mediadesk.leads.schemas_desk import (
    LeadAssignIn,
    LeadBrokerOut,
    LeadCampaignOut,
    LeadCustomerOut,
    LeadDealAdvanceIn,
    LeadDealCancelIn,
    LeadDealIn,
    LeadDealOut,
    LeadDisputeDecisionIn,
    LeadDisputeOut,
    LeadFollowUpIn,
    LeadFollowUpOut,
    LeadOpportunityOut,
    LeadReferralDecisionIn,
    LeadReferralOut,
    LeadReportRowOut,
    LeadStageIn,
    LeadTripOut,
)
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

PathId = Path(..., ge=1, le=MAX_ID)

DESK = "客资：部门负责人/渠道经理看范围内全部，销售看自己的（主管含团队）"
WORK = "该商机的顾问（或其主管），或有 leads.assign 的经理；公海中的商机须先领取"
DEALS = "案场经理（leads.assign）或佣金管理（commissions.manage），不含该单顾问本人"
ARBITRATE = "争议裁决权限（leads.arbitrate）在项目范围内"
RULES = "渠道管理（leads.rules）"


def _require_desk(user: Any) -> None:
    scopes.require(queries.can_use_desk(user), "没有查看客资的权限")


def _require_rules(user: Any) -> None:
    scopes.require(scopes.has_perm(user, Perm.LEADS_RULES), "没有管理渠道的权限")


# --- opportunities and customers ----------------------------------------------------------------


def opportunity_row(user: Any, o: Opportunity) -> dict[str, Any]:
    """A lead-list row as `user` sees it (the number masked unless they own the lead)."""
    return {
        "id": o.pk, "customer": o.customer_id, "customer_name": o.customer.name,
        "phone": queries.shown_phone(user, o), "project": o.project_id,
        "project_name": o.project.name, "consultant": o.consultant_id,
        "consultant_name": o.consultant.label if o.consultant else None,
        "channel": o.channel_id, "channel_name": o.channel.name if o.channel else None,
        "source": o.source, "source_label": o.get_source_display(), "stage": o.stage,
        "stage_label": o.get_stage_display(), "intent": o.intent, "in_pool": o.in_pool,
        "pool_reason": o.pool_reason, "created_at": o.created_at, "assigned_at": o.assigned_at,
        "first_contact_due": o.first_contact_due, "first_contact_at": o.first_contact_at,
        "sla_breached_at": o.sla_breached_at, "last_follow_at": o.last_follow_at,
        "next_contact_at": o.next_contact_at, "updated_at": o.updated_at,
    }  # fmt: skip


def _opportunities(user: Any) -> Any:
    return access.visible_opportunities(user).select_related(
        "customer", "project", "consultant", "channel"
    )


@router.get(
    "/leads/opportunities",
    response={200: Page[LeadOpportunityOut], **READ_ERRORS},
    summary="客户列表（商机）",
    description=who(DESK) + "。筛选、排序与 /leads/ 页面相同；号码对非本人顾问打码。",
)
def list_opportunities(
    request: HttpRequest, filters: Query[f.LeadFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    _require_desk(user)
    return listed(_opportunities(user), filters, page, lambda o: opportunity_row(user, o))


@router.get(
    "/leads/opportunities/{opportunity_id}",
    response={200: LeadOpportunityOut, **ONE_ERRORS},
    summary="商机详情",
    description=who(DESK),
)
def get_opportunity(request: HttpRequest, opportunity_id: int = PathId) -> Any:
    user = caller(request)
    return opportunity_row(user, scopes.get_or_404(_opportunities(user), opportunity_id))


@router.get(
    "/leads/pool",
    response={200: Page[LeadOpportunityOut], **READ_ERRORS},
    summary="公海",
    description=who("客资查看权限；销售看其有顾问席位的项目的公海") + "。号码一律打码。",
)
def list_pool(request: HttpRequest, filters: Query[f.PoolFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    _require_desk(user)
    qs = access.visible_pool(user).select_related("customer", "project", "consultant", "channel")

    def row(o: Opportunity) -> dict[str, Any]:
        return {**opportunity_row(user, o), "phone": phone.mask(o.customer.phone)}

    return listed(qs, filters, page, row)


def customer_row(user: Any, c: Customer) -> dict[str, Any]:
    opps = list(c.visible_opps)  # type: ignore[attr-defined]
    own = any(o.consultant_id == user.pk for o in opps)
    return {
        "id": c.pk, "name": c.name, "phone": c.phone if own else phone.mask(c.phone),
        "created_at": c.created_at, "updated_at": c.updated_at,
        "opportunities": [
            {"opportunity": o.pk, "project": o.project_id, "project_name": o.project.name,
             "stage": o.stage, "stage_label": o.get_stage_display(),
             "consultant": o.consultant_id, "in_pool": o.in_pool}
            for o in opps
        ],
    }  # fmt: skip


@router.get(
    "/leads/customers",
    response={200: Page[LeadCustomerOut], **READ_ERRORS},
    summary="客户（每个号码一位）",
    description=who(DESK)
    + "。号码与客户页相同：本人负责的客户为全号，其余前三后四（有权限者在客户页点击查看，留审计）。",
)
def list_customers(
    request: HttpRequest, filters: Query[f.CustomerFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    _require_desk(user)
    visible = access.visible_opportunities(user).select_related("project").order_by("project_id")
    qs = access.visible_customers(user).prefetch_related(
        Prefetch("opportunities", queryset=visible, to_attr="visible_opps")
    )
    return listed(qs, filters, page, lambda c: customer_row(user, c))


# --- follow-up, stage, assignment, the pool ------------------------------------------------------


def follow_up_row(x: FollowUp) -> dict[str, Any]:
    return {
        "id": x.pk, "opportunity": x.opportunity_id, "kind": x.kind,
        "kind_label": x.get_kind_display(), "content": x.content, "at": x.at,
        "call_seconds": x.call_seconds, "next_contact_at": x.next_contact_at,
        "intent": x.intent, "by": x.by_id, "by_name": x.by.label,
    }  # fmt: skip


@router.get(
    "/leads/follow-ups",
    response={200: Page[LeadFollowUpOut], **READ_ERRORS},
    summary="跟进记录",
    description=who(DESK) + "（可见商机的跟进记录，即客户页所列）",
)
def list_follow_ups(
    request: HttpRequest, filters: Query[f.FollowUpFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    _require_desk(user)
    qs = FollowUp.objects.filter(opportunity__in=access.visible_opportunities(user))
    return listed(qs.select_related("by"), filters, page, follow_up_row)


def _opportunity(user: Any, pk: int) -> Opportunity:
    return scopes.get_or_404(_opportunities(user), pk)


@router.post(
    "/leads/opportunities/{opportunity_id}/follow-ups",
    response={201: LeadFollowUpOut, **WRITE_ERRORS},
    summary="记录跟进",
    description=who(WORK),
)
def add_follow_up(
    request: HttpRequest, payload: LeadFollowUpIn, opportunity_id: int = PathId
) -> Any:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id)
    made = services.add_follow_up(
        opportunity, by=user, kind=payload.kind, content=payload.content,
        call_seconds=payload.call_seconds, next_contact_at=payload.next_contact_at,
        intent=payload.intent,
    )  # fmt: skip
    return Status(201, follow_up_row(made))


@router.post(
    "/leads/opportunities/{opportunity_id}/stage",
    response={200: LeadOpportunityOut, **WRITE_ERRORS},
    summary="更新阶段",
    description=who(WORK) + "。无效/丢失须填原因（进入公海）。",
)
def change_stage(request: HttpRequest, payload: LeadStageIn, opportunity_id: int = PathId) -> Any:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id)
    services.change_stage(opportunity, by=user, stage=payload.stage, reason=payload.reason)
    return opportunity_row(user, Opportunity.objects.get(pk=opportunity.pk))


@router.post(
    "/leads/opportunities/{opportunity_id}/assign",
    response={200: LeadOpportunityOut, **WRITE_ERRORS},
    summary="分配/改派",
    description=who("分配权限（leads.assign）在项目范围内") + "。目标须是该项目的顾问席位。",
)
def assign(request: HttpRequest, payload: LeadAssignIn, opportunity_id: int = PathId) -> Any:
    user = caller(request)
    opportunity = _opportunity(user, opportunity_id)
    scopes.require(scopes.allows(user, Perm.LEADS_ASSIGN, opportunity), "没有分配权限")
    seat = (
        queries.seats_for_assign(user, [opportunity.project_id])
        .filter(user_id=payload.consultant)
        .first()
    )
    if seat is None:
        raise ValidationError({"consultant": "不是该项目的置业顾问"})
    services.assign_opportunity(opportunity, to=seat.user, by=user, reason=payload.reason)
    return opportunity_row(user, Opportunity.objects.get(pk=opportunity.pk))


@router.post(
    "/leads/pool/{opportunity_id}/claim",
    response={200: LeadOpportunityOut, **WRITE_ERRORS},
    summary="从公海领取",
    description=who("该项目的置业顾问（原归属人在冷却期内不能领取）") + "。先到先得，晚到者 409。",
)
def claim(request: HttpRequest, opportunity_id: int = PathId) -> Any:
    user = caller(request)
    opportunity = scopes.get_or_404(access.visible_pool(user), opportunity_id)
    pool.claim(opportunity, by=user)
    return opportunity_row(user, _opportunities(user).get(pk=opportunity.pk))


# --- deals ----------------------------------------------------------------------------------------


def deal_row(d: Deal) -> dict[str, Any]:
    fields = ("id", "opportunity_id", "customer_id", "project_id", "channel_id", "consultant_id",
              "co_handler_id", "unit_label", "units", "amount_fen", "stage", "pledged_at",
              "subscribed_at", "signed_at", "paid_30_at", "loan_at", "handover_at",
              "cancelled_at", "created_at", "updated_at")  # fmt: skip
    row = {name.removesuffix("_id"): getattr(d, name) for name in fields}
    return {**row, "id": d.pk, "stage_label": d.get_stage_display()}


def _visible_deals(user: Any) -> Any:
    return Deal.objects.filter(opportunity__in=access.visible_opportunities(user))


@router.get(
    "/leads/deals",
    response={200: Page[LeadDealOut], **READ_ERRORS},
    summary="成交",
    description=who(DESK) + "（可见商机的成交）。金额单位为分。",
)
def list_deals(request: HttpRequest, filters: Query[f.DealFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    _require_desk(user)
    return listed(_visible_deals(user), filters, page, deal_row)


@router.post(
    "/leads/opportunities/{opportunity_id}/deals",
    response={201: LeadDealOut, **WRITE_ERRORS},
    summary="登记成交",
    description=who(DEALS),
)
def record_deal(request: HttpRequest, payload: LeadDealIn, opportunity_id: int = PathId) -> Any:
    user = caller(request)
    opp = _opportunity(user, opportunity_id)
    if not attribution.can_record_deal(user, opp):
        raise PermissionDenied("没有登记该客户成交的权限")
    co_handler = None
    if payload.co_handler is not None:
        co_handler = queries.co_handlers(opp).filter(pk=payload.co_handler).first()
        if co_handler is None:
            raise ValidationError({"co_handler": "不是该项目的顾问或主管"})
    deal = attribution.record_deal(
        opportunity=opp, by=user, stage=payload.stage, unit_label=payload.unit_label,
        amount_fen=payload.amount_fen, at=payload.at, co_handler=co_handler,
    )  # fmt: skip
    return Status(201, deal_row(deal))


def _deal(user: Any, pk: int) -> Deal:
    deal: Deal = scopes.get_or_404(_visible_deals(user).select_related("opportunity"), pk)
    if not attribution.can_record_deal(user, deal.opportunity):
        raise PermissionDenied("没有办理该成交的权限")
    return deal


@router.post(
    "/leads/deals/{deal_id}/advance",
    response={200: LeadDealOut, **WRITE_ERRORS},
    summary="推进成交（转认购/转签约/付款节点）",
    description=who(DEALS),
)
def advance_deal(request: HttpRequest, payload: LeadDealAdvanceIn, deal_id: int = PathId) -> Any:
    user = caller(request)
    deal = _deal(user, deal_id)
    kind = "milestone" if payload.step in attribution.MILESTONES else "stage"
    attribution.advance_deal(deal, by=user, at=payload.at, **{kind: payload.step})
    return deal_row(Deal.objects.get(pk=deal.pk))


@router.post(
    "/leads/deals/{deal_id}/cancel",
    response={200: LeadDealOut, **WRITE_ERRORS},
    summary="退房",
    description=who(DEALS) + "。佣金在下一结算期扣回。",
)
def cancel_deal(request: HttpRequest, payload: LeadDealCancelIn, deal_id: int = PathId) -> Any:
    user = caller(request)
    deal = _deal(user, deal_id)
    attribution.cancel_deal(deal, by=user, at=payload.at)
    return deal_row(Deal.objects.get(pk=deal.pk))


# --- reports, trips, disputes, referrals ----------------------------------------------------------


def _attribution_user(request: HttpRequest) -> Any:
    """The caller, if they may use 报备/带看/争议/转介 at all (the pages' same check)."""
    user = caller(request)
    scopes.require(access.can_use_attribution(user))
    return user


def report_row(r: Report) -> dict[str, Any]:
    return {
        "id": r.pk, "project": r.project_id, "channel": r.channel_id,
        "channel_name": r.channel.name, "reporter": r.reporter_id,
        "phone": phone.mask(r.phone), "reported_at": r.reported_at,
        "result_code": r.result_code, "result": r.reason or r.get_result_code_display(),
        "status": r.status, "protect_visit_until": r.protect_visit_until,
        "protect_deal_until": r.protect_deal_until, "intercept_until": r.intercept_until,
    }  # fmt: skip


@router.get(
    "/leads/reports",
    response={200: Page[LeadReportRowOut], **READ_ERRORS},
    summary="报备记录",
    description=who("客资查看范围内的报备，及本人提交的报备") + "。号码一律打码。",
)
def list_reports(request: HttpRequest, filters: Query[f.ReportFilters], page: Query[PageIn]) -> Any:
    qs = queries.visible_reports(_attribution_user(request)).select_related("channel")
    return listed(qs, filters, page, report_row)


@router.get(
    "/leads/trips",
    response={200: Page[LeadTripOut], **READ_ERRORS},
    summary="带看单（一带多看）",
    description=who("登记到访或查看客资的项目"),
)
def list_trips(request: HttpRequest, filters: Query[f.TripFilters], page: Query[PageIn]) -> Any:
    qs = queries.visible_trips(_attribution_user(request)).annotate(
        pairs=Count("visits"), confirmed=Count("visits", filter=Q(visits__result_code=0))
    )

    def row(t: ViewingTrip) -> dict[str, Any]:
        return {"id": t.pk, "channel": t.channel_id, "trip_at": t.trip_at, "note": t.note,
                "pairs": t.pairs, "confirmed": t.confirmed}  # type: ignore[attr-defined]  # fmt: skip

    return listed(qs, filters, page, row)


def dispute_row(d: Dispute) -> dict[str, Any]:
    fields = ("project_id", "kind", "report_a_id", "report_b_id", "consultant_b_id",
              "suggestion", "decision", "share_a", "reason", "decided_by_id", "decided_at",
              "created_at")  # fmt: skip
    row = {name.removesuffix("_id"): getattr(d, name) for name in fields}
    return {**row, "id": d.pk, "kind_label": d.get_kind_display()}


@router.get(
    "/leads/disputes",
    response={200: Page[LeadDisputeOut], **READ_ERRORS},
    summary="争议判客",
    description=who("客资查看范围内的争议，及本人为一方的争议") + "。默认只列待裁决的。",
)
def list_disputes(
    request: HttpRequest, filters: Query[f.DisputeFilters], page: Query[PageIn]
) -> Any:
    return listed(queries.visible_disputes(_attribution_user(request)), filters, page, dispute_row)


@router.post(
    "/leads/disputes/{dispute_id}/decide",
    response={200: LeadDisputeOut, **WRITE_ERRORS},
    summary="裁决争议",
    description=who(ARBITRATE) + "。已裁决的再裁决为 409；双方收到通知。",
)
def decide_dispute(
    request: HttpRequest, payload: LeadDisputeDecisionIn, dispute_id: int = PathId
) -> Any:
    user = _attribution_user(request)
    dispute = scopes.get_or_404(queries.visible_disputes(user), dispute_id)
    arbitration.decide_dispute(
        dispute, by=user, decision=payload.decision, reason=payload.reason, share_a=payload.share_a
    )
    return dispute_row(Dispute.objects.get(pk=dispute.pk))


def referral_row(r: Referral) -> dict[str, Any]:
    fields = ("customer_id", "from_project_id", "to_project_id", "requested_by_id", "status",
              "keeps_channel", "decided_by_id", "decided_at", "reason", "created_at")  # fmt: skip
    return {"id": r.pk, **{name.removesuffix("_id"): getattr(r, name) for name in fields}}


@router.get(
    "/leads/referrals",
    response={200: Page[LeadReferralOut], **READ_ERRORS},
    summary="通盘通客转介",
    description=who("转出或转入项目的客资查看者，及申请人") + "。默认只列未审核的。",
)
def list_referrals(
    request: HttpRequest, filters: Query[f.ReferralFilters], page: Query[PageIn]
) -> Any:
    return listed(
        queries.visible_referrals(_attribution_user(request)), filters, page, referral_row
    )


@router.post(
    "/leads/referrals/{referral_id}/decide",
    response={200: LeadReferralOut, **WRITE_ERRORS},
    summary="审核转介",
    description=who("转入项目的争议裁决权限（leads.arbitrate）") + "。已审核的为 409。",
)
def decide_referral(
    request: HttpRequest, payload: LeadReferralDecisionIn, referral_id: int = PathId
) -> Any:
    user = _attribution_user(request)
    referral = scopes.get_or_404(queries.visible_referrals(user), referral_id)
    arbitration.decide_referral(referral, by=user, approve=payload.approve, reason=payload.reason)
    return referral_row(Referral.objects.get(pk=referral.pk))


# --- channels, brokers, campaigns ----------------------------------------------------------------


@router.get(
    "/leads/brokers",
    response={200: Page[LeadBrokerOut], **READ_ERRORS},
    summary="经纪人",
    description=who(RULES),
)
def list_brokers(request: HttpRequest, filters: Query[f.BrokerFilters], page: Query[PageIn]) -> Any:
    user = _attribution_user(request)
    _require_rules(user)

    def row(b: Broker) -> dict[str, Any]:
        return {"id": b.pk, "user": b.user_id, "username": b.user.username, "name": b.user.label,
                "channel": b.channel_id, "channel_name": b.channel.name,
                "is_active": b.is_active}  # fmt: skip

    return listed(queries.visible_brokers(user), filters, page, row)


@router.get(
    "/leads/campaigns",
    response={200: Page[LeadCampaignOut], **READ_ERRORS},
    summary="留资活动",
    description=who(RULES),
)
def list_campaigns(
    request: HttpRequest, filters: Query[f.CampaignFilters], page: Query[PageIn]
) -> Any:
    user = _attribution_user(request)
    _require_rules(user)

    def row(c: Campaign) -> dict[str, Any]:
        return {"id": c.pk, "name": c.name, "slug": c.slug, "project": c.project_id,
                "source": c.source, "is_active": c.is_active, "ends_at": c.ends_at,
                "form_path": reverse("leads:public_form", args=[c.slug])}  # fmt: skip

    return listed(queries.visible_campaigns(user), filters, page, row)


def channel_rows(user: Any) -> Any:
    """Channels the caller may list: a broker their own, readers of leads rules or records
    their organisation's, nobody else any."""
    qs = Channel.objects.filter(organisation_id=user.organisation_id)
    own = Broker.objects.filter(user_id=user.pk).first()
    if own is not None:
        return qs.filter(pk=own.channel_id)
    readers = (Perm.LEADS_RULES, Perm.LEADS_VIEW, Perm.LEADS_REPORT, Perm.LEADS_VISIT)
    return qs if any(scopes.has_perm(user, p) for p in readers) else qs.none()


# --- import (upload → preview → confirm, the page's stash) ------------------------------------


def _import_project(user: Any, pk: int) -> Project:
    project = Project.objects.filter(pk=pk, organisation_id=user.organisation_id).first()
    if project is None or not services.in_project(user, Perm.LEADS_IMPORT, project):
        raise ValidationError({"project": "项目不存在或没有在该项目导入线索的权限"})
    return project


@router.post(
    "/leads/imports",
    response={200: ImportPreviewOut, **WRITE_ERRORS},
    summary="导入线索：上传并预览",
    description=who("导入权限（leads.import）在项目范围内")
    + "。multipart：file（与页面相同的模板，xlsx/csv）、project、source。什么都不写入；"
    "用返回的 token 调用 confirm。",
)
def import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    project: Form[int],
    source: Form[Source] = Source.EVENT,
) -> Any:
    user = _attribution_user(request)
    scopes.require(scopes.has_perm(user, Perm.LEADS_IMPORT), "没有导入线索的权限")
    target = _import_project(user, project)
    table, filename = read_file(file, imports.read_upload)
    preview = imports.validate(table, project=target, source=source)
    meta = {"project": target.pk, "source": str(source)}
    return preview_answer(
        request, table, filename, errors=preview.messages, rows=len(preview.rows), meta=meta
    )


@router.post(
    "/leads/imports/{token}/confirm",
    response={200: ImportDoneOut, **WRITE_ERRORS},
    summary="导入线索：确认写入",
    description=who("上传者本人") + "。重新校验，全部写入或一条不写（有错误时 400 并列出各行）。",
)
def import_confirm(request: HttpRequest, token: str = Path(..., pattern="^[0-9a-f]{32}$")) -> Any:
    user = _attribution_user(request)
    table, filename, meta = pending(request, token)
    target = _import_project(user, int(meta.get("project") or 0))
    try:
        touches = imports.confirm_import(
            table, by=user, project=target, source=meta.get("source") or Source.EVENT,
            filename=filename,
        )  # fmt: skip
    except imports.ImportRejected as exc:
        raise ValidationError(exc.preview.messages) from exc
    discard(token)
    return {"created": len(touches)}
