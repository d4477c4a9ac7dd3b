"""API schemas of the leads contract (04-leads.md "API contract"): reports, visits,
customers with their attribution, channels and project rule sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from mediadesk.core import dates
from mediadesk.core.schemas import MAX_INT, BodyIn, Id
from mediadesk.leads.models import RuleSet, Source


def _iso_text(value: object) -> object:
    # Only ISO 8601 text: pydantic would also read numbers as Unix timestamps.
    if isinstance(value, str | dt.datetime):
        return value
    raise ValueError(_("应为带时区的 ISO 8601 时间，如 2025-03-03T10:00:00+08:00"))


IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(dates.bounded)]
Phone = Annotated[str, Field(min_length=1, max_length=20, description=_("11 位手机号或隐号"))]


Utm = Annotated[str, Field(max_length=100)]


class UtmIn(BodyIn):
    source: Utm = ""
    medium: Utm = ""
    campaign: Utm = ""
    content: Utm = ""
    term: Utm = ""


class LeadIn(BodyIn):
    """One capture (留资) from a form or a webhook."""

    project: Id = Field(description=_("项目 id（GET /api/v1/projects）"))
    phone: Phone
    source: Source = Field(description=_("线索来源"))
    name: str = Field("", max_length=40)
    channel: Id | None = Field(None, description=_("渠道 id（GET /api/v1/leads/channels）"))
    account: Id | None = Field(None, description=_("来源账号 id"))
    content_item: Id | None = Field(None, description=_("来源内容 id"))
    variant: Id | None = Field(None, description=_("来源平台稿（帖子）id"))
    live_session: str = Field("", max_length=80, description=_("直播场次"))
    campaign: Id | None = Field(None, description=_("留资活动 id"))
    utm: UtmIn | None = None
    captured_at: IsoTime | None = Field(None, description=_("留资时间，默认为现在"))


class LeadOut(Schema):
    touch: int
    customer: int
    opportunity: int
    consultant: int | None


class ReportIn(BodyIn):
    project: Id = Field(description=_("项目 id（GET /api/v1/projects）"))
    phone: Phone
    channel: Id = Field(description=_("渠道 id（GET /api/v1/leads/channels）"))
    reporter: Id | None = Field(None, description=_("报备人（用户 id），默认为调用者"))
    reported_at: IsoTime | None = Field(None, description=_("报备时间（仅导入权限可补录）"))


class ReportOut(Schema):
    id: int
    result_code: int
    result: str
    protect_visit_until: dt.datetime | None
    protect_deal_until: dt.datetime | None
    intercept_until: dt.datetime | None


class VisitIn(BodyIn):
    project: Id
    phone: Phone
    channel: Id | None = Field(None, description=_("带看渠道 id；自然到访不填"))
    visited_at: IsoTime | None = None


class VisitOut(Schema):
    id: int
    customer: int
    attributed_report: int | None
    attributed_channel: int | None
    result_code: int
    result: str


class AttributionOut(Schema):
    project: int
    project_name: str
    stage: str
    stage_label: str
    consultant: int | None
    channel: int | None
    channel_name: str | None
    attributed_report: int | None
    protect_visit_until: dt.datetime | None
    protect_deal_until: dt.datetime | None
    in_pool: bool


class CustomerOut(Schema):
    id: int
    phone: str
    name: str
    attributions: list[AttributionOut]


class ChannelOut(Schema):
    id: int
    name: str
    kind: str


Days = Annotated[int, Field(ge=0, le=3650)]


class RulesIn(BodyIn):
    """A project's rule set: every field, as GET returns it (`project` may be sent back)."""

    project: Id | None = None
    mode: RuleSet.Mode
    visit_protect_days: Days
    deal_protect_days: Days
    deal_node: RuleSet.DealNode
    intercept_minutes: int = Field(ge=0, le=10_080)
    masked: RuleSet.Masked
    only_new: bool
    old_owners: RuleSet.OldOwners
    allow_negative_rereport: bool
    owned_rereport_days: Days
    daily_report_limit: int = Field(ge=1, le=MAX_INT)
    visit_auto_confirm: bool
    revisit_refreshes_deal: bool
    day_counting: RuleSet.DayCounting
    remind_days_before: Days
    pool_idle_days: Days
    pool_cooldown_days: Days
    referral_keeps_channel: bool
    first_contact_minutes: int = Field(ge=1, le=10_080)
    sla_auto_reassign: bool
    protected_sources: dict[str, int]
    supervisor_ratio: Decimal = Field(ge=0, le=1, max_digits=4, decimal_places=3)


class RulesOut(RulesIn):
    project: int
