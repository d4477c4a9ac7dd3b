"""API schemas of the review app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from mediadesk.core.schemas import BodyIn, Id, IsoDate, QueryIn
from mediadesk.review.models import ReviewRun, StepState


class RunFilters(QueryIn):
    status: ReviewRun.Status | None = None
    step: str | None = Field(None, max_length=40, description="当前待审步骤名称，如 二审 部门经理")
    submitter: Id | None = Field(None, description="提交人（用户 id）")
    since: IsoDate | None = Field(None, description="提交日期起（含）")
    until: IsoDate | None = Field(None, description="提交日期止（含）")
    q: str | None = Field(None, max_length=100, description="按内容标题搜索")
    project: Id | None = None


class ActionIn(BodyIn):
    comment: str = Field("", max_length=2000, description="审核意见；要求修改、驳回时必填")


class ApproveIn(ActionIn):
    override_reason: str = Field(
        "", max_length=2000, description="放行理由：存在禁止级合规问题且本步骤要求时必填"
    )


class StepOut(Schema):
    order: int
    name: str
    roles: list[str]
    status: str
    status_label: str
    started_at: dt.datetime | None
    acted_by: int | None
    acted_by_name: str | None
    acted_at: dt.datetime | None
    comment: str
    override_reason: str

    @staticmethod
    def resolve_name(obj: StepState) -> str:
        return obj.step.name

    @staticmethod
    def resolve_roles(obj: StepState) -> list[str]:
        return list(obj.step.roles)

    @staticmethod
    def resolve_status_label(obj: StepState) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_acted_by(obj: StepState) -> int | None:
        return obj.acted_by_id

    @staticmethod
    def resolve_acted_by_name(obj: StepState) -> str | None:
        return str(obj.acted_by) if obj.acted_by_id else None


class RunOut(Schema):
    id: int
    item: int
    item_title: str
    item_status: str
    status: str
    status_label: str
    revision: int
    block_count: int
    workflow: str
    submitted_by: int
    submitted_by_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    steps: list[StepOut]

    @staticmethod
    def resolve_item(obj: ReviewRun) -> int:
        return obj.item_id

    @staticmethod
    def resolve_item_title(obj: ReviewRun) -> str:
        return obj.item.title

    @staticmethod
    def resolve_item_status(obj: ReviewRun) -> str:
        return obj.item.status

    @staticmethod
    def resolve_status_label(obj: ReviewRun) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_revision(obj: ReviewRun) -> int:
        return obj.revision.number

    @staticmethod
    def resolve_block_count(obj: ReviewRun) -> int:
        return obj.revision.block_count

    @staticmethod
    def resolve_workflow(obj: ReviewRun) -> str:
        return obj.workflow.name

    @staticmethod
    def resolve_submitted_by(obj: ReviewRun) -> int:
        return obj.submitted_by_id

    @staticmethod
    def resolve_submitted_by_name(obj: ReviewRun) -> str:
        return str(obj.submitted_by)

    @staticmethod
    def resolve_steps(obj: ReviewRun) -> Any:
        return sorted(obj.steps.all(), key=lambda s: s.order)
