"""Periodic jobs of the notifications app."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic
from mediadesk.notifications.models import RobotDelivery
from mediadesk.notifications.services import enqueue
from mediadesk.notifications.tasks import STALE_SENDING

OVERDUE = timedelta(minutes=10)


@periodic(
    "notifications.requeue_stuck",
    every=timedelta(minutes=5),
    label=gettext_lazy("重新排队滞留的机器人消息"),
)
def requeue_stuck(slot: datetime) -> int:
    """Queue again deliveries whose task was lost: pending long past their due time, or left
    "sending" by a worker that stopped mid-call. The delivery task is idempotent."""
    stuck = RobotDelivery.objects.annotate(due=Coalesce("next_attempt_at", "created_at")).filter(
        Q(status=RobotDelivery.Status.PENDING, due__lt=slot - OVERDUE)
        | Q(status=RobotDelivery.Status.SENDING, last_attempt_at__lt=slot - STALE_SENDING)
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    enqueue(ids)
    return len(ids)
