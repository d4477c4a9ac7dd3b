"""The filters of the user list, shared by the page, its Excel export and the API."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core import phone
from mediadesk.core.filters import FilterSet, sort_field
from mediadesk.core.schemas import Id
from mediadesk.orgs.roles import Role


class UserFilters(FilterSet):
    """用户管理 page, its export and `GET /api/v1/users`."""

    SORTS = {"active": ("-is_active", "username"), "username": ("username",)}
    DEFAULT_SORT = "active"

    q: str | None = Field(
        None, max_length=60, description=str(_("用户名、姓名、邮箱或手机号后四位"))
    )
    role: Role | None = Field(None, description=str(_("角色")))
    company: Id | None = Field(None, description=str(_("城市公司 id（含其项目上的角色）")))
    project: Id | None = Field(None, description=str(_("项目 id")))
    status: Literal["active", "inactive"] | None = Field(
        None, description=str(_("active 启用 / inactive 停用"))
    )
    sort: str | None = sort_field(SORTS)

    def filter_role(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(role_grants__role=value)

    def filter_company(self, qs: QuerySet[Any], value: int) -> QuerySet[Any]:
        return qs.filter(
            Q(role_grants__company_id=value) | Q(role_grants__project__company_id=value)
        )

    def filter_project(self, qs: QuerySet[Any], value: int) -> QuerySet[Any]:
        return qs.filter(role_grants__project_id=value)

    def filter_status(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(is_active=value == "active")

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        keyword = value.strip()
        if not keyword:
            return qs
        match = (
            Q(username__icontains=keyword)
            | Q(display_name__icontains=keyword)
            | Q(email__icontains=keyword)
        )
        digits = phone.normalise(keyword)
        if len(digits) >= 4:
            match |= Q(phone__contains=digits)
        return qs.filter(match)

    def sorted[M: Any](self, qs: QuerySet[M]) -> QuerySet[M]:
        """A user holding two matching grants is listed once."""
        return super().sorted(qs).distinct()
