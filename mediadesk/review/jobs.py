"""Periodic jobs of the review app."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.core.context import acting_from
from mediadesk.core.periodic import periodic


@periodic("review.remind_overdue", every=timedelta(hours=1), label=_("审核超时催办"))
def remind_overdue(slot: datetime) -> int:
    """Re-notify reviewers of pending steps past their workflow's reminder threshold."""
    from mediadesk.review import services

    with acting_from("task"):
        return services.remind_overdue(now=max(slot, timezone.now()))
