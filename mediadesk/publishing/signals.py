"""Keep a queued job on the variant's time when the calendar moves the variant (drag)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core.errors import ValidationError
from mediadesk.publishing.models import PublishJob, State

PAST_SLACK = dt.timedelta(minutes=1)  # as scheduling allows


def follow_planned_at(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A variant saved with a new planned_at moves its not-yet-started job along. A scheduled
    variant cannot be moved into the past (scheduling refuses that too, and the job would go
    out at once): the save is refused with a message, and the caller's transaction rolls back."""
    if update_fields is not None and "planned_at" not in update_fields:
        return
    at = instance.planned_at
    if at is None:
        return
    waiting = PublishJob.objects.filter(
        variant_id=instance.pk, state__in=[State.QUEUED, State.MANUAL], attempts=0
    ).exclude(scheduled_at=at)
    if at < timezone.now() - PAST_SLACK and waiting.exists():
        raise ValidationError({"planned_at": _("该平台稿已排期发布，发布时间不能早于当前时间")})
    waiting.update(
        scheduled_at=at, next_try_at=at, dispatched_at=None, reminded_at=None,
        updated_at=F("updated_at"),
    )  # fmt: skip
