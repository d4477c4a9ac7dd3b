"""Reads of notifications, robots and robot deliveries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mediadesk.core import scopes
from mediadesk.notifications.models import Notification, Robot, RobotDelivery
from mediadesk.orgs.roles import Perm, perms_of


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=user)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def recent_unread(user: Any, *, limit: int = 5) -> list[Notification]:
    return list(inbox(user, unread_only=True)[:limit])


def managed_organisation_ids(user: Any) -> set[int]:
    """Organisations in which the user holds notifications.manage (in any scope of it)."""
    return {
        g.organisation_id for g in scopes.grants(user) if Perm.NOTIFY_MANAGE in perms_of({g.role})
    }


def can_manage_robots(user: Any) -> bool:
    return bool(managed_organisation_ids(user))


def visible_robots(user: Any) -> QuerySet[Robot]:
    """Robots the user may see and manage (empty without notifications.manage)."""
    return Robot.objects.filter(organisation_id__in=managed_organisation_ids(user))


def visible_deliveries(user: Any) -> QuerySet[RobotDelivery]:
    """Robot messages of the robots the user manages, newest first."""
    return RobotDelivery.objects.filter(robot__in=visible_robots(user)).select_related("robot")


def failed_delivery_count(user: Any) -> int:
    """Robot messages that finally failed, for users who manage robots (0 for others)."""
    if not can_manage_robots(user):
        return 0
    return visible_deliveries(user).filter(status=RobotDelivery.Status.FAILED).count()
