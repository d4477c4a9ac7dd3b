"""Keep a queued job on the variant's time when the calendar moves the variant (drag)."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from mediadesk.publishing.models import PublishJob, State


def follow_planned_at(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A variant saved with a new planned_at moves its not-yet-started job along."""
    if update_fields is not None and "planned_at" not in update_fields:
        return
    at = instance.planned_at
    if at is None:
        return
    PublishJob.objects.filter(
        variant_id=instance.pk, state__in=[State.QUEUED, State.MANUAL], attempts=0
    ).exclude(scheduled_at=at).update(
        scheduled_at=at, next_try_at=at, dispatched_at=None, reminded_at=None,
        updated_at=F("updated_at"),
    )  # fmt: skip
