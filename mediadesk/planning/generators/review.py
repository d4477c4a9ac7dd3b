"""A review step waiting for me → a task on my agenda and board; it closes when acted on."""

from __future__ import annotations

from typing import Any

from mediadesk.planning.tasks_service import sync_generated
from mediadesk.review.models import StepState
from mediadesk.review.queries import reviewers

SOURCE = "review_step"


def wanted() -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    pending = StepState.objects.filter(status=StepState.Status.PENDING).select_related(
        "step", "run__item"
    )
    for state in pending:
        for user in reviewers(state.step, state.run.item, run=state.run):
            out[(f"review:{state.pk}", user.pk)] = {
                "organisation_id": state.run.organisation_id,
                "title": f"审核「{state.run.item}」· {state.step.name}",
                "due_at": state.started_at,
                "important": True,
                "urgent": True,
                "link": f"/review/runs/{state.run_id}/",
                "minutes": 20,
            }
    return out


def sync() -> dict[str, int]:
    return sync_generated(SOURCE, wanted())
