"""The leads API contract (stable; used by integrations): reports, visits, a customer with
its attribution per project, channels, and project rule sets. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Status

from mediadesk.content.models import ContentItem, Variant
from mediadesk.core import scopes
from mediadesk.core.api_support import listed
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.schemas import MAX_ID, ErrorOut, Page, PageIn, caller
from mediadesk.leads import access, api_desk, attribution, rulesets, services
from mediadesk.leads.api_router import router
from mediadesk.leads.filters import ChannelFilters
from mediadesk.leads.models import (
    Broker,
    Campaign,
    Channel,
    Customer,
    Opportunity,
    Report,
    Visit,
)
from mediadesk.leads.schemas import (
    ChannelOut,
    CustomerOut,
    LeadIn,
    LeadOut,
    ReportIn,
    ReportOut,
    RulesIn,
    RulesOut,
    VisitIn,
    VisitOut,
)
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Perm

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
PathId = Path(..., ge=1, le=MAX_ID)
RULE_READERS = (Perm.LEADS_RULES, Perm.LEADS_VIEW, Perm.LEADS_REPORT, Perm.LEADS_VISIT)


def _project(user: Any, pk: int) -> Project:
    """A project of the caller's organisation (scope is checked by the service)."""
    project = Project.objects.filter(pk=pk, organisation_id=user.organisation_id).first()
    if project is None:
        raise ValidationError({"project": _("项目不存在")})
    return project


def _channel(user: Any, pk: int | None, *, field: str = "channel") -> Channel | None:
    if pk is None:
        return None
    channel = Channel.objects.filter(pk=pk, organisation_id=user.organisation_id).first()
    if channel is None:
        raise ValidationError({field: _("渠道不存在")})
    return channel


def _reporter(user: Any, pk: int | None) -> tuple[Any, Broker | None]:
    """Whom the report is filed for: the caller, or (managers only) one of their people."""
    if pk is None or pk == user.pk:
        return None, None
    if Broker.objects.filter(user_id=user.pk).exists():
        raise PermissionDenied(_("经纪人只能以自己的身份报备"))
    person = User.objects.filter(
        pk=pk, organisation_id=user.organisation_id, is_active=True
    ).first()
    if person is None:
        raise ValidationError({"reporter": _("报备人不存在或已停用")})
    return person, Broker.objects.filter(user=person, is_active=True).first()


def _own(user: Any, model: Any, pk: int | None, field: str, label: str) -> Any:
    """A record of the caller's organisation by id (None when not given), else a 422."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, organisation_id=user.organisation_id).first()
    if found is None:
        raise ValidationError({field: _("%(label)s不存在") % {"label": label}})
    return found


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary=_("录入线索（表单与 webhook）"))
def capture_lead(request: HttpRequest, payload: LeadIn) -> Any:
    user = caller(request)
    touch = services.capture_lead(
        organisation=user.organisation, project=_project(user, payload.project),
        phone=payload.phone, source=payload.source, by=user, name=payload.name,
        channel=_channel(user, payload.channel),
        account=_own(user, Account, payload.account, "account", _("账号")),
        content_item=_own(user, ContentItem, payload.content_item, "content_item", _("内容")),
        variant=_own(user, Variant, payload.variant, "variant", _("平台稿")),
        live_session=payload.live_session,
        campaign=_own(user, Campaign, payload.campaign, "campaign", _("留资活动")),
        utm=payload.utm.model_dump() if payload.utm else None, captured_at=payload.captured_at,
    )  # fmt: skip
    opp = Opportunity.objects.get(project_id=payload.project, customer_id=touch.customer_id)
    return Status(201, {"touch": touch.pk, "customer": touch.customer_id,
                        "opportunity": opp.pk, "consultant": opp.consultant_id})  # fmt: skip


def report_out(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "result_code": report.result_code,
        "result": report.reason or report.get_result_code_display(),
        "protect_visit_until": report.protect_visit_until,
        "protect_deal_until": report.protect_deal_until,
        "intercept_until": report.intercept_until,
    }


@router.post("/leads/reports", response={201: ReportOut, **ERRORS}, summary=_("渠道报备（判客）"))
def file_report(request: HttpRequest, payload: ReportIn) -> Any:
    user = caller(request)
    project = _project(user, payload.project)
    channel = _channel(user, payload.channel)
    assert channel is not None
    reporter, broker = _reporter(user, payload.reporter)
    report = attribution.file_report(
        project=project, phone=payload.phone, channel=channel, by=user, broker=broker,
        reported_at=payload.reported_at, reporter=reporter,
    )  # fmt: skip
    return Status(201, report_out(report))


def visit_out(visit: Visit) -> dict[str, Any]:
    report = visit.attributed_report
    return {
        "id": visit.pk,
        "customer": visit.customer_id,
        "attributed_report": visit.attributed_report_id,
        "attributed_channel": report.channel_id if report else None,
        "result_code": visit.result_code,
        "result": visit.reason or visit.get_result_code_display(),
    }


@router.post("/leads/visits", response={201: VisitOut, **ERRORS}, summary=_("登记到访（确客）"))
def record_visit(request: HttpRequest, payload: VisitIn) -> Any:
    user = caller(request)
    visit = attribution.record_visit(
        project=_project(user, payload.project), phone=payload.phone, by=user,
        channel=_channel(user, payload.channel), visited_at=payload.visited_at,
    )  # fmt: skip
    return Status(201, visit_out(visit))


def _attribution(opp: Opportunity) -> dict[str, Any]:
    report = opp.attributed_report
    return {
        "project": opp.project_id,
        "project_name": opp.project.name,
        "stage": opp.stage,
        "stage_label": opp.get_stage_display(),
        "consultant": opp.consultant_id,
        "channel": opp.channel_id,
        "channel_name": opp.channel.name if opp.channel else None,
        "attributed_report": opp.attributed_report_id,
        "protect_visit_until": report.protect_visit_until if report else None,
        "protect_deal_until": report.protect_deal_until if report else None,
        "in_pool": opp.in_pool,
    }


@router.get(
    "/leads/customers/{customer_id}",
    response={200: CustomerOut, 404: ErrorOut},
    summary=_("客户及其各项目当前归属"),
)
def get_customer(request: HttpRequest, customer_id: int = PathId) -> Any:
    user = caller(request)
    customer: Customer = scopes.get_or_404(access.visible_customers(user), customer_id)
    opps = (
        access.visible_opportunities(user)
        .filter(customer=customer)
        .select_related("project", "channel", "attributed_report")
        .order_by("project_id")
    )
    return {
        "id": customer.pk,
        "phone": access.customer_phone_for(user, customer),
        "name": customer.name,
        "attributions": [_attribution(o) for o in opps],
    }


@router.get(
    "/leads/channels",
    response={200: Page[ChannelOut], 401: ErrorOut, 422: ErrorOut},
    summary=_("渠道列表"),
    description=_(
        "**权限**：经纪人只见自己的渠道；渠道管理、客资查看、报备或到访登记者见本组织的渠道。"
        "默认只列启用的（active=false 列停用的）。"
    ),
)
def list_channels(request: HttpRequest, filters: Query[ChannelFilters], page: Query[PageIn]) -> Any:
    return listed(api_desk.channel_rows(caller(request)), filters, page)


def rules_out(project: Project) -> dict[str, Any]:
    rule_set = attribution.rules_for(project)
    data = {name: getattr(rule_set, name) for name in rulesets.RULE_FIELDS}
    return {"project": project.pk, **data}


def _rules_project(user: Any, project_id: int) -> Project:
    project = Project.objects.filter(pk=project_id, organisation_id=user.organisation_id).first()
    if project is None or not any(
        attribution.in_project(user, perm, project) for perm in RULE_READERS
    ):
        raise Http404
    return project


@router.get(
    "/leads/projects/{project_id}/rules",
    response={200: RulesOut, 404: ErrorOut},
    summary=_("项目判客规则"),
)
def get_rules(request: HttpRequest, project_id: int = PathId) -> Any:
    return rules_out(_rules_project(caller(request), project_id))


@router.put(
    "/leads/projects/{project_id}/rules",
    response={200: RulesOut, **ERRORS},
    summary=_("修改项目判客规则（整对象）"),
)
def put_rules(request: HttpRequest, payload: RulesIn, project_id: int = PathId) -> Any:
    user = caller(request)
    project = _rules_project(user, project_id)
    values = payload.model_dump()
    sent = values.pop("project")
    if sent is not None and sent != project.pk:
        raise ValidationError({"project": _("与地址中的项目不一致")})
    rulesets.update_rules(attribution.rules_for(project), by=user, values=values)
    return rules_out(project)
