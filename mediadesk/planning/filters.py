"""The filters of the goal list, shared by the goals page and the 工作台 risk card."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core.filters import FilterSet
from mediadesk.core.schemas import Id
from mediadesk.planning.models import Progress

AT_RISK = (Progress.AT_RISK, Progress.MISSED)


class GoalFilters(FilterSet):
    """目标 (the goal tree page) and the 我的风险目标 card."""

    LOOKUPS = {"status": "status", "owner": "owner_id"}
    SORTS = {"start": ("start", "id")}
    DEFAULT_SORT = "start"

    status: Progress | None = Field(None, description=str(_("目标状态")))
    risk: bool | None = Field(None, description=str(_("只看有风险或未达成的目标")))
    owner: Id | None = Field(None, description=str(_("负责人（用户 id）")))
    sort: str | None = None

    def filter_risk(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        return qs.filter(status__in=AT_RISK) if value else qs
