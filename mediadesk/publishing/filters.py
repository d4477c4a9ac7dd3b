"""The filters of the publishing lists (发布队列, 发布后检查), shared by the pages, the API
and the 工作台 card, so a number on the card is the length of the list it links to."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core.filters import FilterSet, sort_field
from mediadesk.core.schemas import Id, IsoDate
from mediadesk.publishing.models import State


class JobFilters(FilterSet):
    """发布队列 page, `GET /api/v1/publishing/jobs` and the card's counts."""

    LOOKUPS = {"state": "state", "platform": "platform__code", "account": "account_id",
               "owner": "variant__owner_id"}  # fmt: skip
    SORTS = {"-scheduled": ("-scheduled_at", "-pk"), "scheduled": ("scheduled_at", "pk")}
    DEFAULT_SORT = "-scheduled"

    state: State | None = Field(None, description=str(_("发布状态")))
    platform: str | None = Field(None, max_length=30, description=str(_("平台代码")))
    account: Id | None = Field(None, description=str(_("账号 id")))
    owner: Id | None = Field(None, description=str(_("负责人（用户 id）")))
    since: IsoDate | None = Field(None, description=str(_("计划发布日期起（含）")))
    until: IsoDate | None = Field(None, description=str(_("计划发布日期止（含）")))
    due: Literal["1"] | None = Field(None, description=str(_("1：计划时间已到")))
    sort: str | None = sort_field(SORTS)

    def filter_since(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(scheduled_at__date__gte=value)

    def filter_until(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(scheduled_at__date__lte=value)

    def filter_due(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(scheduled_at__lte=timezone.now())


class CheckFilters(FilterSet):
    """发布后1小时检查 page and the card's count; `open` defaults to 1 (unconfirmed only)."""

    SORTS = {"due": ("due_at", "pk")}
    DEFAULT_SORT = "due"

    open: Literal["1", "0"] | None = Field(
        None, description=str(_("1：只看未确认（默认）；0：全部"))
    )
    due: Literal["1"] | None = Field(None, description=str(_("1：检查时间已到")))
    sort: str | None = sort_field(SORTS)

    def apply[M: Any](self, qs: QuerySet[M]) -> QuerySet[M]:
        qs = super().apply(qs)
        return qs if self.open == "0" else qs.filter(confirmed_at__isnull=True)

    def filter_open(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs  # applied in apply(): unconfirmed unless open=0

    def filter_due(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(due_at__lte=timezone.now())
