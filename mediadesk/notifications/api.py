"""API of notifications: the caller's own notifications and marking them read; the robots
and their delivery status for those who manage robots (never the webhook or its secret)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema

from mediadesk.core import scopes
from mediadesk.core.api_support import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, listed, who
from mediadesk.core.schemas import MAX_ID, Page, PageIn, caller
from mediadesk.notifications import queries, services
from mediadesk.notifications.filters import DeliveryFilters, InboxFilters, RobotFilters
from mediadesk.notifications.models import Notification, RobotDelivery

router = Router(tags=["通知"])
PathId = Path(..., ge=1, le=MAX_ID)
MANAGERS = "机器人管理（notifications.manage）"


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Notification) -> str:
        return str(services.kind_label(obj.kind))


class ReadAllOut(Schema):
    marked: int


class RobotOut(Schema):
    """A robot as its managers see it: the webhook only masked, the secret never."""

    id: int
    name: str
    kind: str
    webhook_masked: str
    keyword: str
    fmt: str
    event_kinds: list[str]
    enabled: bool
    throttled_until: dt.datetime | None


class RobotDeliveryOut(Schema):
    id: int
    robot: int
    kind: str
    title: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_robot(obj: RobotDelivery) -> int:
        return obj.robot_id


@router.get(
    "/notifications",
    response={200: Page[NotificationOut], **READ_ERRORS},
    summary="我的通知",
    description=who("本人（只列自己的通知）") + "。show=unread 只看未读，与通知中心相同。",
)
def list_notifications(
    request: HttpRequest, filters: Query[InboxFilters], page: Query[PageIn]
) -> Any:
    return listed(queries.inbox(caller(request)), filters, page)


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **ONE_ERRORS},
    summary="标为已读",
    description=who("通知的收件人本人") + "（重复标记无变化）",
)
def mark_read(request: HttpRequest, notification_id: int = PathId) -> Notification:
    user = caller(request)
    notification: Notification = scopes.get_or_404(queries.inbox(user), notification_id)
    services.mark_read(notification, by=user)
    return Notification.objects.get(pk=notification.pk)


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **WRITE_ERRORS},
    summary="全部标为已读",
    description=who("本人"),
)
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.mark_all_read(by=caller(request))}


def _require_manager(user: Any) -> None:
    scopes.require(queries.can_manage_robots(user), "没有管理通知机器人的权限")


@router.get(
    "/notifications/robots",
    response={200: Page[RobotOut], **READ_ERRORS},
    summary="通知机器人",
    description=who(MANAGERS) + "。Webhook 只显示打码后的地址，密钥从不返回。",
)
def list_robots(request: HttpRequest, filters: Query[RobotFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    _require_manager(user)
    return listed(queries.visible_robots(user), filters, page)


@router.get(
    "/notifications/deliveries",
    response={200: Page[RobotDeliveryOut], **READ_ERRORS},
    summary="机器人发送记录",
    description=who(MANAGERS),
)
def list_deliveries(
    request: HttpRequest, filters: Query[DeliveryFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    _require_manager(user)
    return listed(queries.visible_deliveries(user), filters, page)
