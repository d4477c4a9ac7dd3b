"""The filters of the content lists, each defined once for its page, export and API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.content.models import Asset, Form, MarketingNode, Status, Variant
from mediadesk.core.filters import FilterSet, day_end, day_start, sort_field
from mediadesk.core.schemas import Id, IsoDate

PLATFORM = Field(
    None, max_length=20, description=str(_("平台代码，如 douyin")), examples=["douyin"]
)


class ItemFilters(FilterSet):
    """内容列表, its export and `GET /api/v1/content/plan/items`. The account, platform and
    date filters keep an item when one of its variants matches."""

    LOOKUPS = {"status": "status", "form": "form", "series": "series_id",
               "category": "category_id", "owner": "owner_id", "reserve": "is_reserve"}  # fmt: skip
    SORTS = {"-updated": ("-updated_at", "-pk"), "title": ("title", "pk"),
             "-created": ("-created_at", "-pk")}  # fmt: skip
    DEFAULT_SORT = "-updated"
    PASSIVE = frozenset({"sort", "account", "platform", "date_from", "date_to"})

    status: Status | None = Field(None, description=str(_("状态")), examples=["in_review"])
    form: Form | None = Field(None, description=str(_("内容形式")))
    series: Id | None = Field(None, description=str(_("专辑 id")))
    category: Id | None = Field(None, description=str(_("主题分类 id")))
    owner: Id | None = Field(None, description=str(_("负责人（用户 id）")))
    reserve: bool | None = Field(None, description=str(_("备选方案（true）或计划内（false）")))
    q: str | None = Field(None, max_length=60, description=str(_("标题或 SEO 关键词包含")))
    account: Id | None = Field(None, description=str(_("有发往该账号的平台稿")))
    platform: str | None = PLATFORM
    date_from: IsoDate | None = Field(None, description=str(_("有平台稿计划/发布于此日及之后")))
    date_to: IsoDate | None = Field(None, description=str(_("有平台稿计划/发布于此日及之前")))
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(Q(title__icontains=value) | Q(seo_keywords__icontains=value))

    def variant_q(self) -> Q | None:
        """What the variant filters ask of a variant (None when none is given)."""
        q = Q()
        if self.account:
            q &= Q(account_id=self.account)
        if self.platform:
            q &= Q(platform__code=self.platform)
        if self.date_from or self.date_to:
            lo = day_start(self.date_from or dt.date(2000, 1, 1))
            hi = day_end(self.date_to or dt.date(2100, 1, 1))
            q &= Q(planned_at__gte=lo, planned_at__lt=hi) | Q(
                published_at__gte=lo, published_at__lt=hi
            )
        return q if q.children else None

    def apply[M: Model](self, qs: QuerySet[M]) -> QuerySet[M]:
        qs = super().apply(qs)
        if (q := self.variant_q()) is not None:
            qs = qs.filter(Exists(Variant.objects.filter(q, item=OuterRef("pk"))))
        return qs

    def is_filtered(self) -> bool:
        return bool(self.given().keys() - {"sort"})


class VariantFilters(FilterSet):
    """`GET /api/v1/content/plan/variants` (the item page lists an item's variants)."""

    LOOKUPS = {"item": "item_id", "account": "account_id", "platform": "platform__code",
               "status": "status"}  # fmt: skip
    SORTS = {"planned": ("planned_at", "pk"), "-updated": ("-updated_at", "-pk")}
    DEFAULT_SORT = "planned"

    item: Id | None = Field(None, description=str(_("内容 id")))
    account: Id | None = Field(None, description=str(_("账号 id")))
    platform: str | None = PLATFORM
    status: Status | None = Field(None, description=str(_("状态")))
    planned_from: IsoDate | None = Field(None, description=str(_("计划发布日期起（含）")))
    planned_to: IsoDate | None = Field(None, description=str(_("计划发布日期止（含）")))
    sort: str | None = sort_field(SORTS)

    def filter_planned_from(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(planned_at__gte=day_start(value))

    def filter_planned_to(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(planned_at__lt=day_end(value))


class SeriesFilters(FilterSet):
    """专辑 page and the API."""

    LOOKUPS = {"active": "is_active", "category": "category_id", "account": "account_id"}
    SORTS = {"active": ("-is_active", "name", "pk")}
    DEFAULT_SORT = "active"

    active: bool | None = Field(None, description=str(_("启用（true）或停用（false）")))
    category: Id | None = Field(None, description=str(_("主题分类 id")))
    account: Id | None = Field(None, description=str(_("账号 id")))
    sort: str | None = sort_field(SORTS)


class NodeFilters(FilterSet):
    """营销节点 page and the API: upcoming and recurring ones unless `when=all`."""

    LOOKUPS = {"kind": "kind"}
    SORTS = {"starts": ("starts_on", "pk")}
    DEFAULT_SORT = "starts"

    kind: MarketingNode.Kind | None = Field(None, description=str(_("节点类型")))
    when: Literal["upcoming", "all"] = Field(
        "upcoming", description=str(_("upcoming 未结束的（默认）/ all 全部"))
    )
    sort: str | None = sort_field(SORTS)

    def filter_when(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if value == "all":
            return qs
        today = timezone.localdate()
        qs = qs.exclude(monthly_day__isnull=True, starts_on__lt=today, ends_on__isnull=True)
        return qs.exclude(ends_on__lt=today)


class AssetFilters(FilterSet):
    """素材库 page and the API."""

    LOOKUPS = {"kind": "kind", "series": "series_id", "project": "project_id"}
    SORTS = {"-created": ("-created_at", "-pk")}
    DEFAULT_SORT = "-created"

    kind: Asset.Kind | None = Field(None, description=str(_("素材类型")))
    tag: str | None = Field(None, max_length=40, description=str(_("标签包含")))
    licence: Literal["valid", "expiring", "expired", "none"] | None = Field(
        None, description=str(_("授权：有效 / 30天内到期 / 已过期 / 未授权"))
    )
    series: Id | None = Field(None, description=str(_("专辑 id")))
    project: Id | None = Field(None, description=str(_("项目 id")))
    q: str | None = Field(None, max_length=60, description=str(_("标题或标签包含")))
    sort: str | None = sort_field(SORTS)

    def filter_tag(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(tags__icontains=value)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(Q(title__icontains=value) | Q(tags__icontains=value))

    def filter_licence(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        today = timezone.localdate()
        licensed = ~Q(licence_type=Asset.Licence.NONE)
        if value == "none":
            return qs.filter(licence_type=Asset.Licence.NONE)
        if value == "expired":
            return qs.filter(licensed, licence_expires_on__lt=today)
        if value == "expiring":
            soon = today + dt.timedelta(days=30)
            return qs.filter(licensed, licence_expires_on__gte=today, licence_expires_on__lte=soon)
        valid = Q(licence_expires_on__isnull=True) | Q(licence_expires_on__gte=today)
        return qs.filter(licensed).filter(valid)
