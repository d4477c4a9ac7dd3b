"""API schemas of the template-3 monitoring endpoint."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator

from mediadesk.analytics.queries import Filters
from mediadesk.core.schemas import Id, PageIn

MAX_DAYS = 366


class MonitoringIn(PageIn):
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD` (inclusive, Beijing time) and optional dimensions."""

    start: dt.date = Field(description=_("开始日期（含）"))
    end: dt.date = Field(description=_("结束日期（含）"))
    platform: str | None = Field(None, max_length=30, description=_("平台代码，如 douyin"))
    account: Id | None = None
    series: Id | None = None
    owner: Id | None = None

    @field_validator("end")
    @classmethod
    def _period(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(gettext("结束日期不能早于开始日期"))
        if start is not None and (end - start).days >= MAX_DAYS:
            raise ValueError(gettext("周期不能超过 %(n)s 天") % {"n": MAX_DAYS})
        return end

    def filters(self) -> Filters:
        return Filters(self.start, self.end, self.platform, self.account, self.series, self.owner)


class MonitoringRowOut(Schema):
    published_date: dt.date | None
    topic: str
    platform: str
    exposure: int | None
    interactions: int | None
    interaction_rate: str = Field(description=_("互动率 = 互动量 / 曝光量，如 2.9%；无法计算为 —"))
    conversions: int | None
    target_status: str = Field(description=_("超额达标 / 达标 / 未达标 / 数据不足 / 无目标"))
    analysis: str
    suggestion: str


class MonitoringOut(Schema):
    items: list[MonitoringRowOut]
    count: int
