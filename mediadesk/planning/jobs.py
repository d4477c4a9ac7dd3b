"""Periodic jobs: recompute progress and sync generated tasks (a safety net for the signals)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic


@periodic(
    "planning.refresh", every=dt.timedelta(minutes=15), label=gettext_lazy("目标进度与系统任务刷新")
)
def refresh(slot: dt.datetime) -> dict[str, object]:
    from mediadesk.planning import generators, phases, services

    return {"goals": services.recompute(open_only=True), "tasks": generators.sync_all(),
            "milestones": phases.check_all()}  # fmt: skip


@periodic("planning.agenda_digest", every=dt.timedelta(hours=1), label=gettext_lazy("今日日程推送"))
def agenda_digest(slot: dt.datetime) -> dict[str, object]:
    """Once a day at PLANNING_AGENDA_HOUR: the day's agenda to the robots (one run per slot)."""
    from mediadesk.planning import digest

    return {"sent": digest.send_all(slot)}
