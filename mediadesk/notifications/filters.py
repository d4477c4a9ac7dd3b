"""The filters of the notification lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field

from mediadesk.core.filters import FilterSet, sort_field
from mediadesk.core.schemas import Id
from mediadesk.notifications.models import Robot, RobotDelivery


class InboxFilters(FilterSet):
    """通知中心 and `GET /api/v1/notifications` (the caller's own notifications)."""

    LOOKUPS = {"kind": "kind"}
    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    show: Literal["unread", "all"] | None = Field(None, description=str(_("unread 只看未读")))
    kind: str | None = Field(None, max_length=40, description=str(_("通知类型，如 leads.assigned")))
    sort: str | None = sort_field(SORTS)

    def filter_show(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(read_at__isnull=True) if value == "unread" else qs


class RobotFilters(FilterSet):
    """机器人 page and `GET /api/v1/notifications/robots`."""

    LOOKUPS = {"kind": "kind"}
    SORTS = {"name": ("name", "id")}
    DEFAULT_SORT = "name"

    kind: Robot.Kind | None = Field(None, description=str(_("机器人类型")))
    sort: str | None = sort_field(SORTS)


class DeliveryFilters(FilterSet):
    """机器人发送记录 page and `GET /api/v1/notifications/deliveries`."""

    LOOKUPS = {"status": "status", "robot": "robot_id"}
    SORTS = {"-created": ("-created_at", "-id")}
    DEFAULT_SORT = "-created"

    status: RobotDelivery.Status | None = Field(None, description=str(_("发送状态")))
    robot: Id | None = Field(None, description=str(_("机器人 id")))
    sort: str | None = sort_field(SORTS)
