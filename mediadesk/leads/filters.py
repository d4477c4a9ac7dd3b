"""The filters of every leads list, each defined once and shared by its page, export and API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core import phone
from mediadesk.core.filters import FilterSet, day_end, since, sort_field, until
from mediadesk.core.schemas import Id, IsoDate
from mediadesk.leads.models import (
    Channel,
    Deal,
    Dispute,
    FollowUp,
    Intent,
    Referral,
    Report,
    Source,
    Stage,
)
from mediadesk.leads.models import ResultCode as ResultCodeChoice


def search_customers(qs: QuerySet[Any], q: str, prefix: str = "customer__") -> QuerySet[Any]:
    """A name, or the last four digits of the phone (what people quote on the phone), or the
    whole number."""
    q = q.strip()
    digits = phone.normalise(q)
    if digits and len(digits) == len(q.replace(" ", "")) and len(digits) <= 4:
        return qs.filter(**{f"{prefix}phone__endswith": digits})
    if digits and len(digits) == 11:
        return qs.filter(**{f"{prefix}phone": digits})
    return qs.filter(**{f"{prefix}name__icontains": q})


ENDING_DAYS = 3


def protection_ending(reports: QuerySet[Any]) -> QuerySet[Any]:
    """Protecting reports whose visit or deal protection ends within ENDING_DAYS."""
    now = timezone.now()
    soon = now + dt.timedelta(days=ENDING_DAYS)
    window = Q(
        protect_visit_until__gte=now, protect_visit_until__lte=soon, first_visit_at__isnull=True
    )
    window |= Q(protect_deal_until__gte=now, protect_deal_until__lte=soon)
    return reports.filter(window, protecting=True)


Search = Field(None, max_length=40, description=str(_("客户姓名、手机号或号码后四位")),
               examples=["5678"])  # fmt: skip
Consultant = Field(None, pattern=r"^(none|[0-9]{1,18})$",
                   description=str(_("顾问（用户 id），none 为未分配")), examples=["none"])  # fmt: skip


class LeadFilters(FilterSet):
    """客户列表 (the lead desk) and `GET /api/v1/leads/opportunities`."""

    LOOKUPS = {"project": "project_id", "channel": "channel_id", "stage": "stage",
               "intent": "intent", "source": "source", "pool": "in_pool"}  # fmt: skip
    SORTS = {
        "-created": ("-created_at", "-id"), "created": ("created_at", "-id"),
        "follow": ("last_follow_at", "-id"), "-follow": ("-last_follow_at", "-id"),
        "next": ("next_contact_at", "-id"), "-next": ("-next_contact_at", "-id"),
        "due": ("first_contact_due", "-id"), "-due": ("-first_contact_due", "-id"),
    }  # fmt: skip
    DEFAULT_SORT = "-created"

    project: Id | None = Field(None, description=str(_("项目 id")))
    channel: Id | None = Field(None, description=str(_("渠道 id")))
    consultant: str | None = Consultant
    stage: Stage | None = Field(None, description=str(_("阶段")), examples=["new"])
    intent: Intent | None = Field(None, description=str(_("意向")))
    source: Source | None = Field(None, description=str(_("首次来源")))
    overdue: bool | None = Field(None, description=str(_("只看首次联系超时未联系的")))
    awaiting: bool | None = Field(None, description=str(_("只看已分配、尚未首次联系的")))
    next_due: bool | None = Field(None, description=str(_("只看下次联系时间已到（今天结束前）的")))
    protection_ending: bool | None = Field(
        None, description=str(_("只看渠道保护期 3 天内到期的（到访或成交保护）"))
    )
    pool: bool | None = Field(None, description=str(_("在公海（true）或不在（false）")))
    from_: IsoDate | None = Field(None, alias="from", description=str(_("创建日期起（含）")))
    to: IsoDate | None = Field(None, description=str(_("创建日期止（含）")))
    q: str | None = Search
    sort: str | None = sort_field(SORTS)

    def filter_consultant(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if value == "none":
            return qs.filter(consultant__isnull=True)
        return qs.filter(consultant_id=int(value))

    def filter_overdue(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(sla_breached_at__isnull=False, first_contact_at__isnull=True)

    def filter_awaiting(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(first_contact_at__isnull=True, first_contact_due__isnull=False,
                         in_pool=False)  # fmt: skip

    def filter_next_due(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        return qs.filter(next_contact_at__lt=day_end(timezone.localdate())) if value else qs

    def filter_protection_ending(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(attributed_report__in=protection_ending(Report.objects.all()))

    def filter_from_(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(since("created_at", value))

    def filter_to(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(until("created_at", value))

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return search_customers(qs, value)


POOL_REASONS = ("判客无效", "到访逾期", "成交逾期", "丢失", "无效", "未跟进")


class PoolFilters(LeadFilters):
    """公海 and `GET /api/v1/leads/pool`: the lead filters (the pool flag aside) plus why."""

    SORTS = {"-pooled": ("-pooled_at", "-id")}
    DEFAULT_SORT = "-pooled"
    PASSIVE = frozenset({"sort", "pool"})

    reason: str | None = Field(None, max_length=40, description=str(_("进入公海原因（包含）")),
                               examples=["未跟进"])  # fmt: skip
    sort: str | None = sort_field(SORTS)

    def filter_reason(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(pool_reason__contains=value)


class CustomerFilters(FilterSet):
    """`GET /api/v1/leads/customers`: customers with an opportunity the caller can read."""

    SORTS = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"),
             "-updated": ("-updated_at", "-id")}  # fmt: skip
    DEFAULT_SORT = "-created"

    project: Id | None = Field(None, description=str(_("有该项目的商机")))
    stage: Stage | None = Field(None, description=str(_("有该阶段的商机")))
    updated_since: dt.datetime | None = Field(
        None,
        description=str(_("此时间之后有改动（增量同步）")),
        examples=["2025-03-01T00:00:00+08:00"],
    )
    q: str | None = Search
    sort: str | None = sort_field(SORTS)

    def filter_project(self, qs: QuerySet[Any], value: int) -> QuerySet[Any]:
        return qs.filter(opportunities__project_id=value).distinct()

    def filter_stage(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(opportunities__stage=value).distinct()

    def filter_updated_since(self, qs: QuerySet[Any], value: dt.datetime) -> QuerySet[Any]:
        return qs.filter(updated_at__gte=value)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return search_customers(qs, value, prefix="")


class FollowUpFilters(FilterSet):
    """`GET /api/v1/leads/follow-ups` (the customer page lists an opportunity's follow-ups)."""

    LOOKUPS = {"opportunity": "opportunity_id", "kind": "kind", "by": "by_id"}
    SORTS = {"-at": ("-at", "-id"), "at": ("at", "id")}
    DEFAULT_SORT = "-at"

    opportunity: Id | None = Field(None, description=str(_("商机 id")))
    kind: FollowUp.Kind | None = Field(None, description=str(_("跟进方式")), examples=["call"])
    by: Id | None = Field(None, description=str(_("跟进人（用户 id）")))
    since: IsoDate | None = Field(None, description=str(_("跟进日期起（含）")))
    until: IsoDate | None = Field(None, description=str(_("跟进日期止（含）")))
    sort: str | None = sort_field(SORTS)

    def filter_since(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(since("at", value))

    def filter_until(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(until("at", value))


class DealFilters(FilterSet):
    """`GET /api/v1/leads/deals` (deals show on the customer page and in commissions)."""

    LOOKUPS = {"project": "project_id", "stage": "stage", "channel": "channel_id",
               "consultant": "consultant_id", "opportunity": "opportunity_id"}  # fmt: skip
    SORTS = {"-created": ("-created_at", "-id"), "created": ("created_at", "id"),
             "-updated": ("-updated_at", "-id")}  # fmt: skip
    DEFAULT_SORT = "-created"

    project: Id | None = Field(None, description=str(_("项目 id")))
    opportunity: Id | None = Field(None, description=str(_("商机 id")))
    stage: Deal.Stage | None = Field(None, description=str(_("成交阶段")), examples=["signed"])
    channel: Id | None = Field(None, description=str(_("渠道 id")))
    consultant: Id | None = Field(None, description=str(_("顾问（用户 id）")))
    updated_since: dt.datetime | None = Field(None, description=str(_("此时间之后有改动")))
    sort: str | None = sort_field(SORTS)

    def filter_updated_since(self, qs: QuerySet[Any], value: dt.datetime) -> QuerySet[Any]:
        return qs.filter(updated_at__gte=value)


class ChannelFilters(FilterSet):
    """渠道 page and `GET /api/v1/leads/channels`."""

    LOOKUPS = {"kind": "kind", "active": "is_active"}
    SORTS = {"kind": ("kind", "name", "id"), "name": ("name", "id")}
    DEFAULT_SORT = "kind"

    kind: Channel.Kind | None = Field(None, description=str(_("渠道类型")))
    active: bool | None = Field(True, description=str(_("启用（默认 true）或停用（false）")))
    q: str | None = Field(None, max_length=60, description=str(_("名称包含")))
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(name__icontains=value)


class BrokerFilters(FilterSet):
    """经纪人 page and `GET /api/v1/leads/brokers`."""

    LOOKUPS = {"channel": "channel_id", "active": "is_active"}
    SORTS = {"active": ("-is_active", "channel__name", "id")}
    DEFAULT_SORT = "active"

    channel: Id | None = Field(None, description=str(_("渠道 id")))
    active: bool | None = Field(None, description=str(_("启用（true）或停用（false）")))
    sort: str | None = sort_field(SORTS)


class CampaignFilters(FilterSet):
    """留资活动 page and `GET /api/v1/leads/campaigns`."""

    LOOKUPS = {"project": "project_id", "active": "is_active", "source": "source"}
    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    project: Id | None = Field(None, description=str(_("项目 id")))
    source: Source | None = Field(None, description=str(_("来源")))
    active: bool | None = Field(None, description=str(_("启用（true）或停用（false）")))
    sort: str | None = sort_field(SORTS)


class ReportFilters(FilterSet):
    """报备记录 page, its export and `GET /api/v1/leads/reports`."""

    LOOKUPS = {"project": "project_id", "channel": "channel_id", "status": "status",
               "result_code": "result_code"}  # fmt: skip
    SORTS = {"-reported": ("-reported_at", "-id")}
    DEFAULT_SORT = "-reported"

    project: Id | None = Field(None, description=str(_("项目 id")))
    channel: Id | None = Field(None, description=str(_("渠道 id")))
    result_code: ResultCodeChoice | None = Field(None, description=str(_("判客结果代码")),
                                                 examples=[0])  # fmt: skip
    status: Report.Status | None = Field(None, description=str(_("状态")))
    q: str | None = Field(None, max_length=11, pattern=r"^[0-9*]+$",
                          description=str(_("号码结尾，如后四位")), examples=["5678"])  # fmt: skip
    ending: bool | None = Field(None, description=str(_("只看保护期 3 天内到期的")))
    since: IsoDate | None = Field(None, description=str(_("报备日期起（含）")))
    until: IsoDate | None = Field(None, description=str(_("报备日期止（含）")))
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(phone__endswith=value)

    def filter_ending(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        return protection_ending(qs) if value else qs

    def filter_since(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(since("reported_at", value))

    def filter_until(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(until("reported_at", value))


class TripFilters(FilterSet):
    """一带多看 page and `GET /api/v1/leads/trips`."""

    LOOKUPS = {"channel": "channel_id"}
    SORTS = {"-trip": ("-trip_at", "-id")}
    DEFAULT_SORT = "-trip"

    channel: Id | None = Field(None, description=str(_("渠道 id")))
    since: IsoDate | None = Field(None, description=str(_("带看日期起（含）")))
    until: IsoDate | None = Field(None, description=str(_("带看日期止（含）")))
    sort: str | None = sort_field(SORTS)

    def filter_since(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(since("trip_at", value))

    def filter_until(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(until("trip_at", value))


class DisputeFilters(FilterSet):
    """争议判客 page and `GET /api/v1/leads/disputes` (open ones unless asked otherwise)."""

    LOOKUPS = {"kind": "kind", "project": "project_id"}
    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    state: Literal["open", "decided", "all"] = Field(
        "open", description=str(_("open 待裁决（默认）/ decided 已裁决 / all 全部"))
    )
    kind: Dispute.Kind | None = Field(None, description=str(_("争议类型")))
    project: Id | None = Field(None, description=str(_("项目 id")))
    sort: str | None = sort_field(SORTS)

    def filter_state(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if value == "open":
            return qs.filter(decision="")
        if value == "decided":
            return qs.exclude(decision="")
        return qs


class ReferralFilters(FilterSet):
    """通盘通客转介 page and `GET /api/v1/leads/referrals` (pending unless asked otherwise)."""

    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    status: Referral.Status | Literal["all"] = Field(
        Referral.Status.PENDING, description=str(_("审核状态，all 为全部（默认 pending）"))
    )
    sort: str | None = sort_field(SORTS)

    def filter_status(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs if value == "all" else qs.filter(status=value)
