"""Reads of notifications and robot deliveries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mediadesk.notifications.models import Notification


def inbox(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def recent_unread(user: Any, *, limit: int = 5) -> list[Notification]:
    return list(inbox(user).filter(read_at__isnull=True)[:limit])


def failed_delivery_count(user: Any) -> int:
    """Robot messages that finally failed, for users who manage robots (0 for others)."""
    return 0
