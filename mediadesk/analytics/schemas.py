"""API schemas of the analytics app: bulk snapshot and account daily ingestion (in and out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Schema

from mediadesk.analytics.services import MAX_COUNT
from mediadesk.core.schemas import BodyIn, Id

Count = Field(None, ge=0, le=MAX_COUNT)
Rate = Field(None, ge=0, le=1, max_digits=9, decimal_places=6, description=_("比率，0–1 的小数"))


class SnapshotIn(BodyIn):
    """One post's figures at one time. Identify the post by `variant`, `external_id`, `url`,
    or `account` + `title` + `published_at`; unmatched posts are created as unplanned."""

    variant: Id | None = Field(None, description=_("MediaDesk 发布（平台稿）id"))
    external_id: str | None = Field(None, max_length=120, description=_("平台内容ID"))
    url: str | None = Field(None, max_length=500, description=_("发布链接"))
    title: str | None = Field(None, max_length=200)
    account: Id | None = Field(None, description=_("账号 id（默认取请求的 account）"))
    published_at: dt.datetime | None = None
    taken_at: dt.datetime | None = Field(None, description=_("统计时间（默认为请求时刻）"))
    impressions: int | None = Count
    reads: int | None = Count
    readers: int | None = Count
    likes: int | None = Count
    comments: int | None = Count
    shares: int | None = Count
    sharers: int | None = Count
    favourites: int | None = Count
    zaikan: int | None = Count
    follower_gain: int | None = Count
    clicks: int | None = Count
    delivered: int | None = Count
    message_reads: int | None = Count
    conv_leads: int | None = Count
    conv_registrations: int | None = Count
    conv_purchases: int | None = Count
    conv_consultations: int | None = Count
    completion_rate: Decimal | None = Rate
    bounce_2s: Decimal | None = Rate
    completion_5s: Decimal | None = Rate
    read_completion: Decimal | None = Rate
    avg_play_seconds: Decimal | None = Field(None, ge=0, lt=10**8, max_digits=10, decimal_places=2)
    extra: dict[str, str] = Field(default_factory=dict, max_length=50)


class SnapshotsIn(BodyIn):
    platform: str = Field(
        min_length=1, max_length=30, description=_("平台代码，如 douyin、wechat_mp")
    )
    account: Id | None = Field(None, description=_("默认账号 id"))
    accept_fuzzy: bool = Field(False, description=_("接受按 账号+标题+发布日期 的模糊匹配"))
    items: list[SnapshotIn] = Field(min_length=1, max_length=5000)


class FuzzyOut(Schema):
    item: int
    variant: int
    label: str


class IngestOut(Schema):
    batch: int
    total: int
    created: int
    updated: int
    unchanged: int
    unplanned: int
    fuzzy: list[FuzzyOut]


class AccountDayIn(BodyIn):
    """One account's figures for one day (净增 is checked against 新关注 − 取消关注)."""

    account: Id | None = Field(None, description=_("账号 id（默认取请求的 account）"))
    date: dt.date
    followers: int | None = Field(None, ge=0, le=MAX_COUNT, description=_("累积关注人数"))
    new_followers: int | None = Field(None, ge=0, le=MAX_COUNT, description=_("新关注人数"))
    cancelled_followers: int | None = Field(None, ge=0, le=MAX_COUNT, description=_("取消关注人数"))
    net_gain: int | None = Field(
        None, ge=-MAX_COUNT, le=MAX_COUNT, description=_("净增关注人数（校验用）")
    )
    reads_by_source: dict[str, int] = Field(
        default_factory=dict, max_length=30, description=_("分渠道阅读次数 {渠道: 次数}")
    )


class AccountDailyIn(BodyIn):
    platform: str = Field(min_length=1, max_length=30, description=_("平台代码，如 wechat_mp"))
    account: Id | None = Field(None, description=_("默认账号 id"))
    items: list[AccountDayIn] = Field(min_length=1, max_length=5000)


class DailyOut(Schema):
    batch: int
    total: int
    created: int
    updated: int
    unchanged: int
