"""The filters of the lexicon lists, shared by the pages, the Excel export and the API."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.compliance.rules import Category, Severity
from mediadesk.core.filters import FilterSet, sort_field


class TermFilters(FilterSet):
    """合规词库 page, its export and `GET /api/v1/compliance/terms`."""

    LOOKUPS = {"category": "category", "severity": "severity"}
    SORTS = {"category": ("category", "term", "id"), "term": ("term", "id")}
    DEFAULT_SORT = "category"

    q: str | None = Field(None, max_length=60, description=str(_("搜索词语、建议替换")))
    category: Category | None = Field(None, description=str(_("类别")))
    severity: Severity | None = Field(None, description=str(_("级别")))
    status: Literal["active", "inactive"] | None = Field(
        None, description=str(_("active 启用 / inactive 停用"))
    )
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        q = value.strip()
        if not q:
            return qs
        return qs.filter(
            Q(term__icontains=q) | Q(suggestion__icontains=q) | Q(key__contains=q.casefold())
        )

    def filter_status(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(is_active=value == "active")


class WhitelistFilters(FilterSet):
    """白名单 page and `GET /api/v1/compliance/whitelist`."""

    SORTS = {"active": ("-is_active", "phrase", "id"), "phrase": ("phrase", "id")}
    DEFAULT_SORT = "active"

    q: str | None = Field(None, max_length=60, description=str(_("搜索白名单词")))
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(phrase__icontains=value.strip()) if value.strip() else qs


class PatternFilters(FilterSet):
    """句式规则 page and `GET /api/v1/compliance/patterns`."""

    LOOKUPS = {"category": "category", "severity": "severity"}
    SORTS = {"active": ("-is_active", "code", "id"), "code": ("code", "id")}
    DEFAULT_SORT = "active"

    category: Category | None = Field(None, description=str(_("类别")))
    severity: Severity | None = Field(None, description=str(_("级别")))
    sort: str | None = sort_field(SORTS)
