"""The filters of the analytics lists, shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.analytics.models import ABTest, ImportBatch
from mediadesk.core.filters import FilterSet, sort_field
from mediadesk.core.schemas import Id


class ImportBatchFilters(FilterSet):
    """数据导入 page's history (the caller's own imports) and `GET /api/v1/analytics/imports`."""

    LOOKUPS = {"status": "status", "kind": "kind"}
    SORTS = {"-created": ("-created_at", "-pk")}
    DEFAULT_SORT = "-created"

    status: ImportBatch.Status | None = Field(None, description=str(_("导入状态")))
    kind: str | None = Field(None, max_length=20, description=str(_("导入类型")))
    sort: str | None = sort_field(SORTS)


class ABTestFilters(FilterSet):
    """A/B测试 page and `GET /api/v1/analytics/abtests`."""

    LOOKUPS = {"kind": "kind", "metric": "metric", "account": "account_id"}
    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    kind: ABTest.Kind | None = Field(None, description=str(_("测试对象")))
    metric: ABTest.Metric | None = Field(None, description=str(_("指标")))
    account: Id | None = Field(None, description=str(_("账号 id")))
    sort: str | None = sort_field(SORTS)


class BenchmarkFilters(FilterSet):
    """竞品对标 page's competitor accounts and `GET /api/v1/analytics/benchmarks`."""

    LOOKUPS = {"platform": "platform__code"}
    SORTS = {"platform": ("platform_id", "name", "id")}
    DEFAULT_SORT = "platform"

    platform: str | None = Field(None, max_length=30, description=str(_("平台代码")))
    sort: str | None = sort_field(SORTS)
