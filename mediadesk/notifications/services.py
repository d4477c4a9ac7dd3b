"""Every write of the notifications app: in-app notifications, robots, robot deliveries.

`notify()` is what other capabilities call; robot messages are sent by the background worker
once the caller's transaction commits, so a rolled-back change never announces anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, crypto
from mediadesk.core.audit import StrOrPromise
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.notifications import queries, robots
from mediadesk.notifications.models import Notification, Robot, RobotDelivery
from mediadesk.orgs.models import Organisation

audit.register_actions(
    {
        "robot.create": gettext_lazy("新增群机器人"),
        "robot.update": gettext_lazy("修改群机器人"),
        "robot.delete": gettext_lazy("删除群机器人"),
        "robot.test": gettext_lazy("发送机器人测试消息"),
        "robot_delivery.retry": gettext_lazy("重发机器人消息"),
    }
)

KINDS: dict[str, StrOrPromise] = {}


def register_kinds(labels: Mapping[str, StrOrPromise]) -> None:
    """Register notification kinds with Chinese labels (robots subscribe to them)."""
    KINDS.update(labels)


def kind_label(kind: str) -> StrOrPromise:
    return KINDS.get(kind, kind)


register_kinds(
    {"system.test": gettext_lazy("测试消息"), "system.welcome": gettext_lazy("系统消息")}
)

ROBOT_FIELDS = ("name", "kind", "webhook_masked", "keyword", "fmt", "event_kinds", "enabled")


# --- notify --------------------------------------------------------------------------------


@transaction.atomic
def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    organisation: Organisation | None = None,
) -> list[Notification]:
    """Put a notification in each recipient's centre; with `organisation`, also relay it to
    that organisation's enabled robots subscribed to `kind` (sent after commit)."""
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    rows = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url[:300])
        for user in users.values()
    )
    if organisation is not None:
        relay = [
            r
            for r in Robot.objects.filter(organisation=organisation, enabled=True)
            if r.subscribes(kind)
        ]
        deliveries = RobotDelivery.objects.bulk_create(
            RobotDelivery(robot=robot, kind=kind, title=title[:200], text=body) for robot in relay
        )
        enqueue_after_commit(deliveries)
    return rows


def enqueue_after_commit(deliveries: Iterable[RobotDelivery]) -> None:
    """Queue the delivery tasks once the current transaction commits (never on rollback)."""
    ids = [d.pk for d in deliveries]
    if ids:
        transaction.on_commit(lambda: enqueue(ids), robust=True)


def enqueue(ids: Iterable[int], *, run_after: datetime | None = None) -> None:
    from mediadesk.notifications.tasks import deliver_robot_message

    task = deliver_robot_message.using(run_after=run_after) if run_after else deliver_robot_message
    for pk in ids:
        task.enqueue(pk)


# --- the notification centre ---------------------------------------------------------------


def mark_read(notification: Notification, *, by: Any) -> Notification:
    """Mark one of the user's own notifications read (idempotent)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("只能标记自己的通知"))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, by: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return queries.inbox(by, unread_only=True).update(read_at=timezone.now())


# --- robots --------------------------------------------------------------------------------


def _require_manage(by: Any, organisation_id: int) -> None:
    if organisation_id not in queries.managed_organisation_ids(by):
        raise PermissionDenied(_("只有系统管理员和部门负责人可以管理群机器人"))


def _extra_hosts() -> list[str]:
    return list(getattr(settings, "ROBOT_EXTRA_HOSTS", []))


def _clean_robot(
    robot: Robot, values: Mapping[str, Any], *, creating: bool
) -> tuple[str, str | None]:
    """Validate the submitted values onto `robot`; returns (webhook, new secret or None to keep)."""
    errors: dict[str, str] = {}
    robot.name = str(values.get("name", robot.name) or "").strip()
    robot.kind = str(values.get("kind", robot.kind) or "")
    robot.keyword = str(values.get("keyword", robot.keyword) or "").strip()
    robot.fmt = str(values.get("fmt", robot.fmt) or Robot.Format.TEXT)
    robot.enabled = bool(values.get("enabled", robot.enabled))
    robot.event_kinds = sorted(set(values.get("event_kinds", robot.event_kinds) or []))
    if not robot.name:
        errors["name"] = _("请填写机器人名称")
    if robot.kind not in Robot.Kind.values:
        errors["kind"] = _("请选择机器人类型")
    if robot.fmt not in Robot.Format.values:
        errors["fmt"] = _("未知的消息格式")
    unknown = [k for k in robot.event_kinds if k not in KINDS]
    if unknown:
        errors["event_kinds"] = _("未知的消息类型：%(join)s") % {"join": "、".join(unknown)}
    webhook = str(values.get("webhook") or "").strip()
    if not webhook and not creating:
        webhook = crypto.unseal(robot.webhook_sealed)
    if not webhook:
        errors["webhook"] = _("请填写 Webhook 地址")
    elif "kind" not in errors and (
        problem := robots.webhook_error(robot.kind, webhook, extra_hosts=_extra_hosts())
    ):
        errors["webhook"] = problem
    secret = _clean_secret(robot, values, errors)
    if errors:
        raise ValidationError(errors)
    return webhook, secret


def _clean_secret(robot: Robot, values: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    secret = str(values.get("secret") or "").strip()
    if robot.kind == Robot.Kind.WECOM:
        if secret:
            errors["secret"] = _("企业微信群机器人没有加签密钥，请留空")
        return "" if robot.secret_sealed else None
    if values.get("clear_secret"):
        return ""
    if robot.kind == Robot.Kind.DINGTALK and secret and not secret.startswith("SEC"):
        errors["secret"] = _("钉钉加签密钥以 SEC 开头，请从机器人安全设置中完整复制")
    return secret or None


def _robot_snapshot(robot: Robot) -> dict[str, Any]:
    data = audit.snapshot(robot, ROBOT_FIELDS)
    data["secret"] = _("已设置") if robot.secret_sealed else _("未设置")
    return data


@transaction.atomic
def save_robot(
    robot: Robot | None, *, by: Any, organisation: Organisation, values: Mapping[str, Any]
) -> Robot:
    """Create or change a robot (notifications.manage); a blank webhook/secret on edit keeps the
    stored one. The key and secret are sealed and never written to the audit trail."""
    creating = robot is None
    if robot is None:
        robot = Robot(organisation=organisation, created_by=by if getattr(by, "pk", None) else None)
    else:
        robot = Robot.objects.select_for_update().get(pk=robot.pk)
    _require_manage(by, robot.organisation_id)
    before = {} if creating else _robot_snapshot(robot)
    webhook, secret = _clean_robot(robot, values, creating=creating)
    robot.webhook_sealed = crypto.seal(webhook)
    robot.webhook_masked = robots.mask_webhook(robot.kind, webhook)
    if secret is not None:
        robot.secret_sealed = crypto.seal(secret) if secret else ""
    robot.save()
    changes = audit.diff(before, _robot_snapshot(robot))
    if creating or changes:
        audit.record(
            actor=by,
            action="robot.create" if creating else "robot.update",
            target=robot,
            changes=changes,
        )
    return robot


@transaction.atomic
def delete_robot(robot: Robot, *, by: Any) -> None:
    """Remove a robot and its delivery records (notifications.manage)."""
    _require_manage(by, robot.organisation_id)
    audit.record(
        actor=by, action="robot.delete", target=robot, changes={"name": [robot.name, None]}
    )
    robot.delete()


@transaction.atomic
def send_test_message(robot: Robot, *, by: Any) -> RobotDelivery:
    """Queue a test message to the robot; its result shows on the delivery status page."""
    _require_manage(by, robot.organisation_id)
    if not robot.enabled:
        raise ValidationError({"robot": _("机器人已停用，请先启用再发送测试消息")})
    sent_at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    delivery = RobotDelivery.objects.create(
        robot=robot,
        kind="system.test",
        title=_("MediaDesk 测试消息"),
        text=_(
            "这是一条来自 MediaDesk 新媒体运营工作台的测试消息（%(by)s 于 %(sent_at)s 发送）。收到即表示机器人配置正确。"
        )
        % {"by": by, "sent_at": sent_at},
    )
    audit.record(
        actor=by, action="robot.test", target=robot, changes={"delivery": [None, delivery.pk]}
    )
    enqueue_after_commit([delivery])
    return delivery


@transaction.atomic
def retry_delivery(delivery: RobotDelivery, *, by: Any) -> RobotDelivery:
    """Send a failed robot message again from scratch (notifications.manage)."""
    delivery = RobotDelivery.objects.select_for_update().select_related("robot").get(pk=delivery.pk)
    _require_manage(by, delivery.robot.organisation_id)
    if delivery.status != RobotDelivery.Status.FAILED:
        raise ValidationError({"status": _("只有发送失败的消息可以重发")})
    error = delivery.last_error
    delivery.status = RobotDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.last_error = ""
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    audit.record(
        actor=by,
        action="robot_delivery.retry",
        target=delivery,
        changes={
            "status": [RobotDelivery.Status.FAILED.label, RobotDelivery.Status.PENDING.label],
            "error": [error, None],
        },
    )
    enqueue_after_commit([delivery])
    return delivery
