"""An open post-live review action (live.ReviewAction) → a task for its owner with the action's
due date; the task closes when the action is closed."""

from __future__ import annotations

from typing import Any

from mediadesk.planning.tasks_service import sync_generated, urgent_by_due

SOURCE = "live_action"


def wanted() -> dict[tuple[str, int], dict[str, Any]]:
    from mediadesk.live.models import ReviewAction

    out: dict[tuple[str, int], dict[str, Any]] = {}
    for action in ReviewAction.objects.filter(done=False).select_related("session"):
        out[(f"live_action:{action.pk}", action.owner_id)] = {
            "organisation_id": action.session.organisation_id,
            "title": f"直播复盘改进：{action.text}"[:200],
            "due_at": action.due_at,
            "important": True,
            "urgent": urgent_by_due(action.due_at),
            "link": f"/live/sessions/{action.session_id}/",
            "minutes": 30,
        }
    return out


def sync() -> dict[str, int]:
    return sync_generated(SOURCE, wanted())
