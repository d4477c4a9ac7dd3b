"""API schemas of the engagement endpoints (keys exactly as the issue names them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator

from mediadesk.core.schemas import MAX_ID, MAX_INT, BodyIn, PageIn, QueryIn


def _iso_text(value: Any) -> Any:
    if isinstance(value, str | dt.datetime):
        return value
    raise ValueError("应为带时区的 ISO 时间，如 2026-05-01T10:00:00+08:00")


IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
KindCode = Literal["comment", "reply", "private_message", "official_message", "mention", "live_comment"]  # fmt: skip
PolarityCode = Literal["positive", "neutral", "negative"]


class SentimentIn(BodyIn):
    text: str = Field(..., max_length=10_000)


class SentimentOut(Schema):
    polarity: PolarityCode
    score: float
    words: list[str]


class AuthorIn(BodyIn):
    id: str = Field("", max_length=128)
    name: str = Field("", max_length=100)
    followers: int | None = Field(None, ge=0, le=MAX_INT)


class MessageIn(BodyIn):
    platform: str = Field(..., max_length=30, description="平台代码，如 weibo、douyin、wechat_mp")
    kind: KindCode
    account: int | None = Field(None, ge=1, le=MAX_ID)
    post_url: str = Field("", max_length=500)
    external_id: str = Field(..., min_length=1, max_length=128)
    author: str | AuthorIn | None = Field(None, description="昵称，或 {id, name, followers}")
    text: str = Field(..., min_length=1, max_length=10_000)
    received_at: IsoTime
    parent_external_id: str = Field("", max_length=128)
    thread: str = Field("", max_length=160)


class MessageOut(Schema):
    id: int
    status: str
    sentiment: str
    due_at: dt.datetime | None
    lead_candidate: bool


class MessageRow(MessageOut):
    platform: str
    kind: str
    account: int | None
    post: int | None
    post_url: str
    external_id: str
    author: str
    text: str
    received_at: dt.datetime
    assignee: int | None
    score: float
    words: list[str]
    tags: list[str]
    time_left_minutes: int | None
    first_response_at: dt.datetime | None
    suggestions: list[int]


class MessageFilters(PageIn, QueryIn):
    status: str | None = Field(None, max_length=20, description="new、in_progress、replied、closed、no_reply、spam 或 open")  # fmt: skip
    platform: str | None = Field(None, max_length=30)
    account: int | None = Field(None, ge=1, le=MAX_ID)
    assignee: str | None = Field(None, max_length=20, description="用户 id、me 或 none")
    sentiment: PolarityCode | None = None
    overdue: bool | None = None
    q: str | None = Field(None, max_length=100)


class ReplyIn(BodyIn):
    text: str = Field("", max_length=2000)
    reply_id: int | None = Field(None, ge=1, le=MAX_ID)


class ReplyOut(Schema):
    id: int
    message: int
    state: str
    text: str
    platform_reply_id: str
    findings: list[dict[str, Any]]


class AssignIn(BodyIn):
    user: int | None = Field(..., ge=1, le=MAX_ID)


class MessageLeadIn(BodyIn):
    project: int = Field(..., ge=1, le=MAX_ID)
    phone: str = Field("", max_length=20)
    name: str = Field("", max_length=40)


class MessageLeadOut(Schema):
    touch: int
    customer: int
    opportunity: int
    consultant: int | None
    source: str
    variant: int | None


class StandardReplyIn(BodyIn):
    category: str = Field(..., max_length=20)
    title: str = Field(..., max_length=60)
    text: str = Field(..., max_length=2000)
    keywords: str = Field("", max_length=200)
    platforms: list[str] = Field(default_factory=list)
    compliance_note: str = Field("", max_length=200)


class StandardReplyOut(Schema):
    id: int
    category: str
    title: str
    text: str
    keywords: str
    platforms: list[str]
    state: str
    findings: list[dict[str, Any]]
    usage_count: int
    last_used_at: dt.datetime | None


class MentionIn(BodyIn):
    source: str = Field(..., min_length=1, max_length=40)
    url: str = Field("", max_length=500)
    author: str = Field("", max_length=100)
    author_followers: int | None = Field(None, ge=0, le=MAX_INT)
    published_at: IsoTime
    text: str = Field(..., min_length=1, max_length=10_000)


class MentionOut(Schema):
    id: int
    created: bool
    polarity: str
    terms: list[str]
    incident: int | None


class IncidentOut(Schema):
    id: int
    title: str
    grade: int
    grade_name: str
    state: str
    step: str
    owner: int | None
    detected_at: dt.datetime
    first_response_due: dt.datetime
    first_response_at: dt.datetime | None
    closed_at: dt.datetime | None
    action: str
    mentions: int
