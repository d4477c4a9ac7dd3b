"""The filters of the commission lists, each defined once for its page, export and API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field
from pydantic import field_validator

from mediadesk.commissions import rules
from mediadesk.commissions.models import Incentive, Payee, Statement
from mediadesk.core.filters import FilterSet, sort_field
from mediadesk.core.schemas import Id

MONTH = Field(None, max_length=7, description=str(_("月份 YYYY-MM")), examples=["2025-03"])


def _month(value: str | None) -> str | None:
    if value is not None and rules.parse_month(value) is None:
        raise ValueError(str(_("月份格式应为 YYYY-MM")))
    return value


class StatementFilters(FilterSet):
    """结算单 page (which starts on the current month), its export and the API."""

    LOOKUPS = {"project": "project_id", "person": "person_id", "status": "status"}
    SORTS = {"month": ("-month", "project__name", "person__username", "channel__name", "id")}
    DEFAULT_SORT = "month"

    month: str | None = MONTH
    project: Id | None = Field(None, description=str(_("项目 id")))
    person: Id | None = Field(None, description=str(_("收款人（用户 id）")))
    status: Statement.Status | None = Field(None, description=str(_("状态")))
    recipient: Literal["channel", "person"] | None = Field(
        None, description=str(_("channel 渠道结算单 / person 个人结算单"))
    )
    sort: str | None = sort_field(SORTS)

    _check_month = field_validator("month")(_month)

    def filter_month(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(month=rules.parse_month(value))

    def filter_recipient(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(**{f"{value}__isnull": False})


class SchemeFilters(FilterSet):
    """佣金方案 page and the API."""

    LOOKUPS = {"project": "project_id", "payee": "payee"}
    SORTS = {"project": ("project__name", "payee", "channel_kind", "-valid_from", "id")}
    DEFAULT_SORT = "project"

    project: Id | None = Field(None, description=str(_("项目 id")))
    payee: Payee | None = Field(None, description=str(_("佣金对象")))
    active: bool | None = Field(None, description=str(_("只看启用的（true）")))
    sort: str | None = sort_field(SORTS)

    def filter_active(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        return qs.filter(is_active=True) if value else qs


class IncentiveFilters(FilterSet):
    """激励规则 page and the API."""

    LOOKUPS = {"kind": "kind", "project": "project_id"}
    SORTS = {"project": ("project__name", "kind", "name", "id")}
    DEFAULT_SORT = "project"

    kind: Incentive.Kind | None = Field(None, description=str(_("激励类型")))
    project: Id | None = Field(None, description=str(_("项目 id")))
    sort: str | None = sort_field(SORTS)


class FigureFilters(FilterSet):
    """直播场次数据 page and the API."""

    LOOKUPS = {"project": "project_id", "anchor": "anchor_id"}
    SORTS = {"-date": ("-date", "-id")}
    DEFAULT_SORT = "-date"

    month: str | None = MONTH
    project: Id | None = Field(None, description=str(_("项目 id")))
    anchor: Id | None = Field(None, description=str(_("主播（用户 id）")))
    sort: str | None = sort_field(SORTS)

    _check_month = field_validator("month")(_month)

    def filter_month(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        start = rules.parse_month(value)
        assert isinstance(start, dt.date)
        return qs.filter(date__gte=start, date__lt=rules.next_month(start))
