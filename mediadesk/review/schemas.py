"""API schemas of the review app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

from mediadesk.core.schemas import BodyIn
from mediadesk.review.models import ReviewRun, StepState


class ActionIn(BodyIn):
    comment: str = Field("", max_length=2000, description=_("审核意见；要求修改、驳回时必填"))


class ApproveIn(ActionIn):
    override_reason: str = Field(
        "", max_length=2000, description=_("放行理由：存在禁止级合规问题且本步骤要求时必填")
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


class QueueStepOut(Schema):
    """A step waiting for the caller (待我审核)."""

    run: int
    order: int
    step: str
    item: int
    item_title: str
    submitted_by: str
    waiting_since: dt.datetime | None

    @staticmethod
    def resolve_run(obj: StepState) -> int:
        return obj.run_id

    @staticmethod
    def resolve_step(obj: StepState) -> str:
        return obj.step.name

    @staticmethod
    def resolve_item(obj: StepState) -> int:
        return obj.run.item_id

    @staticmethod
    def resolve_item_title(obj: StepState) -> str:
        return obj.run.item.title

    @staticmethod
    def resolve_submitted_by(obj: StepState) -> str:
        return str(obj.run.submitted_by)

    @staticmethod
    def resolve_waiting_since(obj: StepState) -> dt.datetime | None:
        return obj.started_at
