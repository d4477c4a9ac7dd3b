"""The filters of the 直播计划 list, shared by the page and the 工作台 card."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core.filters import FilterSet
from mediadesk.core.schemas import Id
from mediadesk.live.models import ChecklistItem, Status


class PlanFilters(FilterSet):
    """直播计划 (the month's sessions, or those starting within `soon` hours)."""

    LOOKUPS = {"account": "account_id"}
    SORTS = {"start": ("planned_start", "id")}
    DEFAULT_SORT = "start"

    account: Id | None = Field(None, description=str(_("账号 id")))
    soon: int | None = Field(
        None, ge=1, le=168, description=str(_("只看该小时数内开播的场次（不含已取消）"))
    )
    not_ready: bool | None = Field(
        None, description=str(_("只看准备清单未完成的场次（不含已取消）"))
    )
    sort: str | None = None

    def filter_soon(self, qs: QuerySet[Any], hours: int) -> QuerySet[Any]:
        now = timezone.now()
        window = qs.filter(
            planned_start__gte=now, planned_start__lt=now + dt.timedelta(hours=hours)
        )
        return window.exclude(status=Status.CANCELLED)

    def filter_not_ready(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        open_items = ChecklistItem.objects.filter(session=OuterRef("pk"), done=False)
        return qs.filter(Exists(open_items)).exclude(status=Status.CANCELLED)
