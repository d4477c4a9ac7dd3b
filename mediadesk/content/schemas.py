"""API schemas of content planning under /api/v1/content/plan/ (items, variants, series,
categories, marketing nodes, assets). Names start with Plan so they never clash with the
publishing API's content schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from mediadesk.content.models import Form
from mediadesk.core.api_support import example
from mediadesk.core.schemas import MAX_INT, BodyIn, Id
from mediadesk.leads.schemas import IsoTime

Count = Field(None, ge=0, le=10**15)


class PlanVariantOut(Schema):
    """A variant (平台稿): one item's version for one account."""

    id: int
    item: int
    account: int
    platform: str
    status: str
    status_label: str
    title: str
    body: str
    digest: str
    tags: str
    mentions: str
    link_url: str
    cover: int | None = Field(None, validation_alias="cover_id")
    duration_seconds: int | None
    planned_at: dt.datetime | None
    published_at: dt.datetime | None
    published_url: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_item(obj: Any) -> int:
        return int(obj.item_id)

    @staticmethod
    def resolve_account(obj: Any) -> int:
        return int(obj.account_id)

    @staticmethod
    def resolve_platform(obj: Any) -> str:
        return str(obj.platform.code)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class PlanItemOut(Schema):
    """A content item (内容) with its variants."""

    id: int
    title: str
    status: str
    status_label: str
    form: str
    category: int | None = Field(None, validation_alias="category_id")
    series: int | None = Field(None, validation_alias="series_id")
    owner: int | None = Field(None, validation_alias="owner_id")
    company: int | None = Field(None, validation_alias="company_id")
    project: int | None = Field(None, validation_alias="project_id")
    marketing_node: int | None = Field(None, validation_alias="marketing_node_id")
    target_exposure: int | None
    target_interactions: int | None
    target_conversions: int | None
    seo_keywords: str
    notes: str
    is_reserve: bool
    assets: list[int]
    edit_version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    variants: list[PlanVariantOut]

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_assets(obj: Any) -> list[int]:
        return sorted(a.pk for a in obj.assets.all())

    @staticmethod
    def resolve_variants(obj: Any) -> list[Any]:
        return sorted(obj.variants.all(), key=lambda v: (v.planned_at is None, v.planned_at, v.pk))


class PlanItemPatch(BodyIn):
    """The item page's edit form; only the fields sent change (never the status)."""

    title: str | None = Field(None, min_length=1, max_length=120)
    category: Id | None = None
    series: Id | None = None
    owner: Id | None = None
    form: Form | None = None
    company: Id | None = None
    project: Id | None = None
    target_exposure: int | None = Count
    target_interactions: int | None = Count
    target_conversions: int | None = Count
    seo_keywords: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=20_000)
    assets: list[Id] | None = Field(None, max_length=200)
    marketing_node: Id | None = None
    is_reserve: bool | None = None

    model_config = example(title="五一看房团招募", target_exposure=50000, is_reserve=False)


class PlanVariantIn(BodyIn):
    """The variant form of the item page (platform limits and compliance checked on save)."""

    account: Id = Field(description=str(_("目标账号 id")))
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=100_000)
    digest: str = Field("", max_length=300)
    tags: str = Field("", max_length=300)
    mentions: str = Field("", max_length=300)
    link_url: str = Field("", max_length=500)
    cover: Id | None = None
    duration_seconds: int | None = Field(None, ge=0, le=MAX_INT)
    planned_at: IsoTime | None = None

    model_config = example(
        account=3, title="五一看房团招募", body="报名即送…", tags="#西安买房 #曲江",
        planned_at="2025-04-28T19:00:00+08:00",
    )  # fmt: skip


class PlanVariantPatch(BodyIn):
    """Only the fields sent change; a published or withdrawn variant refuses (409/400)."""

    account: Id | None = None
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=100_000)
    digest: str | None = Field(None, max_length=300)
    tags: str | None = Field(None, max_length=300)
    mentions: str | None = Field(None, max_length=300)
    link_url: str | None = Field(None, max_length=500)
    cover: Id | None = None
    duration_seconds: int | None = Field(None, ge=0, le=MAX_INT)
    planned_at: IsoTime | None = None

    model_config = example(planned_at="2025-04-29T12:00:00+08:00")


class PlanSeriesOut(Schema):
    id: int
    name: str
    category: int | None = Field(None, validation_alias="category_id")
    account: int | None = Field(None, validation_alias="account_id")
    weekly_quota: int
    company: int | None = Field(None, validation_alias="company_id")
    project: int | None = Field(None, validation_alias="project_id")
    description: str
    is_active: bool


class PlanCategoryOut(Schema):
    id: int
    name: str
    sort: int
    is_active: bool


class PlanNodeOut(Schema):
    id: int
    name: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    monthly_day: int | None
    company: int | None = Field(None, validation_alias="company_id")
    project: int | None = Field(None, validation_alias="project_id")
    notes: str


class PlanAssetOut(Schema):
    """Asset metadata (the file itself: GET /content/assets/{id}/file on the site)."""

    id: int
    kind: str
    title: str
    size: int
    tags: str
    licence_source: str
    licence_type: str
    licence_expires_on: dt.date | None
    series: int | None = Field(None, validation_alias="series_id")
    project: int | None = Field(None, validation_alias="project_id")
    created_at: dt.datetime
