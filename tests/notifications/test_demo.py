"""Demo notifications: idempotent, no robots."""

from __future__ import annotations

from typing import Any

from mediadesk.notifications.demo import load_notifications
from mediadesk.notifications.models import Notification, Robot


def test_demo_notifications_load_once_and_create_no_robots(world: Any) -> None:
    load_notifications(users=world.users)
    load_notifications(users=world.users)

    assert Notification.objects.filter(recipient=world.sales_a).count() == 2
    assert Notification.objects.filter(recipient=world.manager).count() == 3
    assert Notification.objects.filter(recipient=world.manager, read_at__isnull=True).count() == 2
    assert not Robot.objects.exists()
