"""内容审核流程表 (template 2): one row per review run, exactly the template's columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.review.models import ReviewRun, StepState

# The seed template's exact column names: Chinese in either language (cells follow the user's).
HEADERS = [
    "内容标题", "提交日期", "一审人(内容策划)", "一审意见", "二审人(部门经理)", "二审意见",
    "三审人(法务)", "三审意见", "最终结果", "审核完成时间",
]  # fmt: skip
# The template has three reviewer columns: the run's first three workflow steps fill them.
REVIEW_COLUMNS = 3
RESULTS: dict[str, Any] = {
    ReviewRun.Status.ACTIVE: gettext_lazy("审核中"),
    ReviewRun.Status.APPROVED: gettext_lazy("通过"),
    ReviewRun.Status.CHANGES: gettext_lazy("需修改"),
    ReviewRun.Status.REJECTED: gettext_lazy("驳回"),
    ReviewRun.Status.CANCELLED: gettext_lazy("已撤销（内容修改后重新提交）"),
}


def _opinion(state: StepState) -> str:
    if state.status == StepState.Status.SKIPPED:
        return _("（未触发，跳过）")
    if state.status in (StepState.Status.WAITING, StepState.Status.PENDING):
        return _("（%(status)s）") % {"status": state.get_status_display()}
    text = str(state.get_status_display())
    if state.comment:
        text += _("：%(comment)s") % {"comment": state.comment}
    if state.override_reason:
        text += _("；放行理由：%(reason)s") % {"reason": state.override_reason}
    return text


def _step_cells(run: ReviewRun) -> list[str]:
    cells: list[str] = []
    states = sorted(run.steps.all(), key=lambda s: s.order)
    for state in states[:REVIEW_COLUMNS]:
        cells += [str(state.acted_by) if state.acted_by else "", _opinion(state)]
    return cells + [""] * (2 * REVIEW_COLUMNS - len(cells))


def rows(runs: Iterable[ReviewRun]) -> Iterator[list[Any]]:
    """One row per run in HEADERS order (runs need their steps prefetched)."""
    for run in runs:
        finished = (
            timezone.localtime(run.finished_at).replace(tzinfo=None) if run.finished_at else ""
        )
        yield [
            run.item.title,
            timezone.localtime(run.started_at).date(),
            *_step_cells(run),
            str(RESULTS.get(run.status, run.get_status_display())),
            finished,
        ]


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
