"""The filters of the review lists (my queue, all runs), shared by the pages, the export and
the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.content.models import Form
from mediadesk.core.filters import FilterSet, since, sort_field, until
from mediadesk.core.schemas import Id, IsoDate
from mediadesk.review.models import ReviewRun, StepState

TITLE = Field(None, max_length=100, description=str(_("按内容标题搜索")))
OVERDUE = Field(None, description=str(_("只看超过提醒时限仍未处理的步骤")))


def _overdue_q(prefix: str = "") -> Any:
    from mediadesk.review.queries import overdue_q

    return overdue_q(timezone.now(), prefix=prefix)


class QueueFilters(FilterSet):
    """待我审核 and `GET /api/v1/reviews/queue`."""

    LOOKUPS = {"project": "run__item__project_id", "form": "run__item__form"}
    SORTS = {"waiting": ("started_at", "pk")}
    DEFAULT_SORT = "waiting"

    q: str | None = TITLE
    project: Id | None = Field(None, description=str(_("项目 id")))
    form: Form | None = Field(None, description=str(_("内容形式")))
    overdue: bool | None = OVERDUE
    sort: str | None = sort_field(SORTS)

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(run__item__title__icontains=value)

    def filter_overdue(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        return qs.filter(_overdue_q()) if value else qs


class RunFilters(FilterSet):
    """审核流程表 (all runs), its export and `GET /api/v1/reviews`."""

    LOOKUPS = {"status": "status", "submitter": "submitted_by_id", "project": "item__project_id"}
    SORTS = {"-started": ("-started_at", "-pk")}
    DEFAULT_SORT = "-started"

    status: ReviewRun.Status | None = Field(None, description=str(_("审核状态")))
    step: str | None = Field(None, max_length=40,
                             description=str(_("当前待审步骤名称，如 二审 部门经理")))  # fmt: skip
    submitter: Id | None = Field(None, description=str(_("提交人（用户 id）")))
    since: IsoDate | None = Field(None, description=str(_("提交日期起（含）")))
    until: IsoDate | None = Field(None, description=str(_("提交日期止（含）")))
    q: str | None = TITLE
    project: Id | None = Field(None, description=str(_("项目 id")))
    overdue: bool | None = OVERDUE
    sort: str | None = sort_field(SORTS)

    def filter_step(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        current = StepState.objects.filter(
            run=OuterRef("pk"), status=StepState.Status.PENDING, step__name=value
        )
        return qs.filter(Exists(current))

    def filter_since(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(since("started_at", value))

    def filter_until(self, qs: QuerySet[Any], value: dt.date) -> QuerySet[Any]:
        return qs.filter(until("started_at", value))

    def filter_q(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(item__title__icontains=value)

    def filter_overdue(self, qs: QuerySet[Any], value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        late = StepState.objects.filter(_overdue_q(), run=OuterRef("pk"))
        return qs.filter(Exists(late), status=ReviewRun.Status.ACTIVE)
