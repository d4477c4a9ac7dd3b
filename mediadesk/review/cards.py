"""The review cards of the 工作台: what waits for the reviewer and for how long, and what is
stuck in review for planners and managers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core.cockpit import Card, Figure, Line, counted, link
from mediadesk.review import queries
from mediadesk.review.filters import QueueFilters, RunFilters
from mediadesk.review.models import ReviewRun


def waited(since: Any) -> str:
    """How long something has waited, as people say it: 35 分钟 / 5 小时 / 3 天."""
    if since is None:
        return "—"
    minutes = int((timezone.now() - since).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)s 分钟") % {"n": max(minutes, 0)}
    if minutes < 48 * 60:
        return _("%(n)s 小时") % {"n": minutes // 60}
    return _("%(n)s 天") % {"n": minutes // (24 * 60)}


def reviewer(user: Any) -> Card | None:
    """待我审核, the overdue ones, the longest wait and the three oldest items."""
    queue = queries.my_queue(user)
    if not queue.exists():
        return Card("reviewer", _("待我审核"), "bi-check2-square",
                    empty=_("没有等你审核的内容"))  # fmt: skip
    oldest = list(queue[:3])
    figures = [
        counted(_("待我审核"), QueueFilters, queue, "review:queue", alarm="warning"),
        counted(_("超过提醒时限"), QueueFilters, queue, "review:queue", {"overdue": "1"},
                alarm="danger"),
        Figure(_("最久已等待"), waited(oldest[0].started_at), link("review:queue"), counted=False),
    ]  # fmt: skip
    lines = [Line(s.run.item.title, _("%(step)s · 等待 %(time)s") % {
        "step": s.step.name.split()[0], "time": waited(s.started_at)}, link("review:run", None, s.run_id))
        for s in oldest]  # fmt: skip
    return Card("reviewer", _("待我审核"), "bi-check2-square", figures=figures, lines=lines)


def stuck(user: Any) -> Card:
    """Review runs in progress and the ones past their reminder threshold."""
    runs = queries.visible_runs(user)
    active = {"status": ReviewRun.Status.ACTIVE}
    figures = [
        counted(_("审核中"), RunFilters, runs, "review:runs", active),
        counted(_("卡在审核（超时）"), RunFilters, runs, "review:runs", {**active, "overdue": "1"},
                alarm="danger"),
        counted(_("需修改"), RunFilters, runs, "review:runs", {"status": ReviewRun.Status.CHANGES},
                alarm="warning"),
    ]  # fmt: skip
    return Card("review_stuck", _("审核进度"), "bi-hourglass-split", figures=figures)
