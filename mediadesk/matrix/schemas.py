"""API schemas of the matrix: platforms, accounts (in and out), standards findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from mediadesk.core import phone
from mediadesk.core.schemas import MAX_INT, BodyIn, Id, IsoDate, QueryIn
from mediadesk.matrix.models import Account, AccountStatus, Verification


class PlatformOut(Schema):
    id: int
    code: str
    name: str
    name_max_len: int | None
    bio_max_len: int | None
    title_max_len: int | None
    body_max_len: int | None
    daily_send_quota: int | None
    monthly_send_quota: int | None
    supports_live: bool
    has_api: bool
    is_active: bool


class AccountFilters(QueryIn):
    platform: str | None = Field(None, max_length=30, description="平台代码，如 douyin")
    level: int | None = Field(None, ge=1, le=3)
    company: Id | None = None
    project: Id | None = None
    custodian: Id | None = None
    status: AccountStatus | None = None
    q: str | None = Field(None, max_length=100, description="按名称或平台账号ID搜索")


class AccountFields(BodyIn):
    """The optional editable fields an account is created or changed with."""

    parent: Id | None = Field(None, description="上级账号 id")
    company: Id | None = Field(None, description="城市公司 id（指定项目时自动取项目的公司）")
    project: Id | None = Field(None, description="项目 id")
    custodian: Id | None = Field(None, description="负责人（用户 id）")
    backup_custodian: Id | None = Field(None, description="备份负责人（用户 id）")
    platform_account_id: str = Field("", max_length=80)
    subtype: str = Field("", max_length=20, description="如 订阅号/服务号")
    positioning: str = Field("", max_length=100)
    verification: Verification = Verification.NONE
    real_name_holder: str = Field("", max_length=60)
    bound_phone: str = Field("", max_length=20, description="11 位大陆手机号")
    status: AccountStatus = AccountStatus.ACTIVE
    followers: int | None = Field(None, ge=0, le=MAX_INT)
    opened_on: IsoDate | None = None
    notes: str = Field("", max_length=5000)
    brand_keyword: str = Field("", max_length=40)
    bio: str = Field("", max_length=2000)
    cover_style: str = Field("", max_length=200)
    tone_keywords: str = Field("", max_length=200)
    hook: str = Field("", max_length=200)
    is_live_account: bool = False
    live_schedule: str = Field("", max_length=100)


class AccountIn(AccountFields):
    platform: str = Field(min_length=1, max_length=30, description="平台代码，如 douyin、wechat_mp")
    name: str = Field(min_length=1, max_length=60)
    level: int = Field(ge=1, le=3, description="1 品牌 / 2 城市或项目 / 3 员工或顾问")


class AccountPatch(AccountFields):
    """Only the fields sent are changed; text fields cannot be null, links can (to unset)."""

    platform: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=60)
    level: int | None = Field(None, ge=1, le=3)

    @field_validator("platform", "name", "level")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for sent values: leaving a field out is fine, sending null is not.
        if value is None:
            raise ValueError("不能为空")
        return value


class AccountOut(Schema):
    id: int
    platform: str
    platform_name: str
    platform_account_id: str
    subtype: str
    name: str
    level: int
    parent: int | None
    company: int | None
    project: int | None
    custodian: int | None
    custodian_name: str | None
    backup_custodian: int | None
    positioning: str
    status: str
    verification: str
    real_name_holder: str
    followers: int | None
    opened_on: dt.date | None
    bio: str
    hook: str
    brand_keyword: str
    cover_style: str
    tone_keywords: str
    is_live_account: bool
    live_schedule: str
    notes: str
    bound_phone: str = Field(description="脱敏显示（前三后四）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_platform(obj: Account) -> str:
        return obj.platform.code

    @staticmethod
    def resolve_platform_name(obj: Account) -> str:
        return obj.platform.name

    @staticmethod
    def resolve_parent(obj: Account) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_company(obj: Account) -> int | None:
        return obj.company_id

    @staticmethod
    def resolve_project(obj: Account) -> int | None:
        return obj.project_id

    @staticmethod
    def resolve_custodian(obj: Account) -> int | None:
        return obj.custodian_id

    @staticmethod
    def resolve_custodian_name(obj: Account) -> str | None:
        return str(obj.custodian) if obj.custodian_id else None

    @staticmethod
    def resolve_backup_custodian(obj: Account) -> int | None:
        return obj.backup_custodian_id

    @staticmethod
    def resolve_bound_phone(obj: Account) -> str:
        return phone.mask(obj.bound_phone)


class StandardsFindingOut(Schema):
    code: str
    severity: str
    message: str
    field: str
