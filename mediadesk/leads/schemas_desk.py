"""API schemas of the leads desk beyond the spec's contract: the lists a CRM reads
(customers, opportunities, follow-ups, deals, pool, reports, disputes, referrals, channels,
brokers, campaigns, trips) and the writes of the customer page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from mediadesk.core.api_support import example
from mediadesk.core.schemas import MAX_INT, BodyIn, Id
from mediadesk.leads.models import Deal, Dispute, FollowUp, Intent, Stage
from mediadesk.leads.schemas import IsoTime


class LeadOpportunityOut(Schema):
    """One row of the lead list (商机: a customer in one project)."""

    id: int
    customer: int
    customer_name: str
    phone: str = Field(description=str(_("全号仅对该商机的顾问，其他人为前三后四")))
    project: int
    project_name: str
    consultant: int | None
    consultant_name: str | None
    channel: int | None
    channel_name: str | None
    source: str
    source_label: str
    stage: str
    stage_label: str
    intent: str
    in_pool: bool
    pool_reason: str
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    first_contact_due: dt.datetime | None
    first_contact_at: dt.datetime | None
    sla_breached_at: dt.datetime | None
    last_follow_at: dt.datetime | None
    next_contact_at: dt.datetime | None
    updated_at: dt.datetime

    model_config = example(
        id=12, customer=7, customer_name="张先生", phone="138****5678", project=1,
        project_name="锦程·曲江府", consultant=9, consultant_name="孙顾问", channel=None,
        channel_name=None, source="live", source_label="直播", stage="new", stage_label="新线索",
        intent="", in_pool=False, pool_reason="", created_at="2025-03-03T10:00:00+08:00",
        assigned_at="2025-03-03T10:00:00+08:00", first_contact_due="2025-03-03T10:30:00+08:00",
        first_contact_at=None, sla_breached_at=None, last_follow_at=None, next_contact_at=None,
        updated_at="2025-03-03T10:00:00+08:00",
    )  # fmt: skip


class LeadCustomerProjectOut(Schema):
    opportunity: int
    project: int
    project_name: str
    stage: str
    stage_label: str
    consultant: int | None
    in_pool: bool


class LeadCustomerOut(Schema):
    """A customer (one per phone) with the opportunities the caller can read."""

    id: int
    name: str
    phone: str = Field(description=str(_("全号仅对本人负责的客户，其他人为前三后四")))
    created_at: dt.datetime
    updated_at: dt.datetime
    opportunities: list[LeadCustomerProjectOut]

    model_config = example(
        id=7, name="张先生", phone="138****5678", created_at="2025-03-03T10:00:00+08:00",
        updated_at="2025-03-03T10:00:00+08:00",
        opportunities=[{"opportunity": 12, "project": 1, "project_name": "锦程·曲江府",
                        "stage": "new", "stage_label": "新线索", "consultant": 9,
                        "in_pool": False}],
    )  # fmt: skip


class LeadFollowUpOut(Schema):
    id: int
    opportunity: int
    kind: str
    kind_label: str
    content: str
    at: dt.datetime
    call_seconds: int | None
    next_contact_at: dt.datetime | None
    intent: str
    by: int
    by_name: str


class LeadFollowUpIn(BodyIn):
    """A follow-up (跟进) on an opportunity, as the customer page's form."""

    kind: FollowUp.Kind = Field(FollowUp.Kind.CALL, description=str(_("方式")))
    content: str = Field(min_length=1, max_length=5000, description=str(_("跟进内容")))
    call_seconds: int | None = Field(None, ge=0, le=MAX_INT, description=str(_("通话时长(秒)")))
    next_contact_at: IsoTime | None = Field(None, description=str(_("下次联系时间")))
    intent: Intent | Literal[""] = Field("", description=str(_("意向等级，空为不变")))

    model_config = example(
        kind="call", content="客户周末带家人来看样板间", call_seconds=180,
        next_contact_at="2025-03-08T10:00:00+08:00", intent="A",
    )  # fmt: skip


class LeadStageIn(BodyIn):
    stage: Literal["contacted", "visited", "invalid", "lost"] = Field(
        description=str(_("已联系/已到访，或无效/丢失（须填原因）"))
    )
    reason: str = Field("", max_length=200, description=str(_("原因（无效/丢失必填）")))

    model_config = example(stage="lost", reason="已在别处购房")


class LeadAssignIn(BodyIn):
    consultant: Id = Field(description=str(_("项目内顾问席位的用户 id")))
    reason: str = Field("", max_length=200, description=str(_("原因（改派必填）")))

    model_config = example(consultant=9, reason="原顾问休假")


class LeadDealOut(Schema):
    id: int
    opportunity: int
    customer: int
    project: int
    channel: int | None
    consultant: int
    co_handler: int | None
    unit_label: str
    units: int
    amount_fen: int
    stage: str
    stage_label: str
    pledged_at: dt.datetime | None
    subscribed_at: dt.datetime | None
    signed_at: dt.datetime | None
    paid_30_at: dt.datetime | None
    loan_at: dt.datetime | None
    handover_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadDealIn(BodyIn):
    """A deal (成交) on an opportunity, as the customer page's 登记成交 form."""

    stage: Literal["pledged", "subscribed", "signed"] = Field(description=str(_("认筹/认购/签约")))
    unit_label: str = Field(min_length=1, max_length=40, description=str(_("房号")))
    amount_fen: int = Field(ge=1, le=10**15, description=str(_("成交金额（分）")))
    at: IsoTime = Field(description=str(_("成交时间")))
    co_handler: Id | None = Field(None, description=str(_("主管带单的合作人（用户 id）")))

    model_config = example(
        stage="subscribed", unit_label="3-1-1201", amount_fen=268000000,
        at="2025-03-10T15:00:00+08:00", co_handler=None,
    )  # fmt: skip


class LeadDealAdvanceIn(BodyIn):
    step: Literal["subscribed", "signed", "paid_30", "loan", "handover"] = Field(
        description=str(_("转认购/转签约，或付款节点 首付达30%/合同备案+放款/交付"))
    )
    at: IsoTime = Field(description=str(_("时间")))

    model_config = example(step="signed", at="2025-03-20T10:00:00+08:00")


class LeadDealCancelIn(BodyIn):
    at: IsoTime = Field(description=str(_("退房时间（佣金在下一结算期扣回）")))


class LeadChannelRowOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    contact_name: str
    is_active: bool


class LeadBrokerOut(Schema):
    id: int
    user: int
    username: str
    name: str
    channel: int
    channel_name: str
    is_active: bool


class LeadCampaignOut(Schema):
    id: int
    name: str
    slug: str
    project: int
    source: str
    is_active: bool
    ends_at: dt.datetime | None
    form_path: str


class LeadReportRowOut(Schema):
    """A report (报备) as the 报备记录 page lists it (the number always masked)."""

    id: int
    project: int
    channel: int
    channel_name: str
    reporter: int | None
    phone: str
    reported_at: dt.datetime
    result_code: int
    result: str
    status: str
    protect_visit_until: dt.datetime | None
    protect_deal_until: dt.datetime | None
    intercept_until: dt.datetime | None


class LeadTripOut(Schema):
    id: int
    channel: int | None
    trip_at: dt.datetime
    note: str
    pairs: int
    confirmed: int


class LeadDisputeOut(Schema):
    id: int
    project: int
    kind: str
    kind_label: str
    report_a: int
    report_b: int | None
    consultant_b: int | None
    suggestion: str
    decision: str
    share_a: Decimal | None
    reason: str
    decided_by: int | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


class LeadDisputeDecisionIn(BodyIn):
    decision: Dispute.Decision = Field(description=str(_("归属A / 归属B / 分佣 / 均无效")))
    reason: str = Field(min_length=1, max_length=2000, description=str(_("裁决理由")))
    share_a: Decimal | None = Field(
        None, ge=0, le=1, max_digits=4, decimal_places=3, description=str(_("分佣时 A 方比例"))
    )

    model_config = example(decision="split", reason="双方均有有效带看记录", share_a="0.5")


class LeadReferralOut(Schema):
    id: int
    customer: int
    from_project: int
    to_project: int
    requested_by: int
    status: str
    keeps_channel: bool
    decided_by: int | None
    decided_at: dt.datetime | None
    reason: str
    created_at: dt.datetime


class LeadReferralDecisionIn(BodyIn):
    approve: bool = Field(description=str(_("允许（true）或拒绝（false）")))
    reason: str = Field("", max_length=200)

    model_config = example(approve=True, reason="")


STAGE_LABELS = dict(Stage.choices)
DEAL_STAGE_LABELS = dict(Deal.Stage.choices)
