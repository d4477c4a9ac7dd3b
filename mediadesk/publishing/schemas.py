"""API schemas of publishing."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from mediadesk.core.schemas import BodyIn


class ConnectionIn(BodyIn):
    app_id: str | None = Field(None, max_length=120)
    app_secret: str | None = Field(None, max_length=500)
    access_token: str | None = Field(None, max_length=2000)
    refresh_token: str | None = Field(None, max_length=2000)
    expires_at: dt.datetime | None = None
    open_id: str | None = Field(None, max_length=120)


class StatusOut(Schema):
    status: str


class ScheduleIn(BodyIn):
    at: dt.datetime | None = None
    now: bool = False


class ScheduleOut(Schema):
    job: int
    state: str
    scheduled_at: dt.datetime
    warnings: list[str]
    message: str


class ManualPublishIn(BodyIn):
    url: str = Field(..., min_length=1, max_length=500)
    published_at: dt.datetime | None = None


class WithdrawIn(BodyIn):
    reason: str = Field(..., min_length=1, max_length=200)


class JobOut(Schema):
    id: int
    variant: int
    account: int
    platform: str
    state: str
    attempts: int
    scheduled_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    url: str
    error_code: str
    error_message: str


class JobsOut(Schema):
    items: list[JobOut]
    count: int
