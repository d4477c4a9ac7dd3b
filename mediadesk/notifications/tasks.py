"""Background delivery of robot messages: throttled per robot across processes, retried with
backoff, idempotent (a delivery already sent or failed is left alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import context, crypto
from mediadesk.notifications import robots
from mediadesk.notifications.models import Robot, RobotDelivery
from mediadesk.notifications.services import enqueue

MAX_ATTEMPTS = 5
# A delivery left "sending" longer than this lost its worker mid-call.
STALE_SENDING = timedelta(minutes=5)
Status = RobotDelivery.Status


@dataclass(frozen=True)
class Claim:
    """What the worker needs to call the robot once the row locks are released."""

    kind: str
    webhook: str
    secret: str
    message: robots.Message


@task()
def deliver_robot_message(delivery_id: int) -> str:
    """Send one robot message; returns what happened (sent / throttled / retry / failed / skipped)."""
    with context.acting_from("task"):
        return deliver(delivery_id)


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    claim_or_outcome = _claim(delivery_id, now)
    if isinstance(claim_or_outcome, str):
        return claim_or_outcome
    claim = claim_or_outcome
    result = robots.send(claim.kind, claim.webhook, claim.secret, claim.message, now=now)
    return _record(delivery_id, result, now)


def _claim(delivery_id: int, now: datetime) -> Claim | str:
    """Under the robot's row lock: check the delivery is due and within the robot's limits, then
    mark it sending. The lock serialises the throttle count across workers and hosts."""
    run_after: datetime | None = None
    with transaction.atomic():
        delivery = RobotDelivery.objects.filter(pk=delivery_id).first()
        if delivery is None:
            return "skipped"
        robot = Robot.objects.select_for_update().get(pk=delivery.robot_id)
        delivery = RobotDelivery.objects.select_for_update().get(pk=delivery_id)
        outcome = _skip_reason(delivery, robot, now)
        if outcome:
            return outcome
        wait = _wait(robot, now)
        if wait > timedelta(0):
            run_after = now + wait
            delivery.next_attempt_at = run_after
            delivery.save(update_fields=["next_attempt_at"])
        else:
            try:
                webhook = crypto.unseal(robot.webhook_sealed)
                secret = crypto.unseal(robot.secret_sealed) if robot.secret_sealed else ""
            except ValueError as exc:
                _fail(delivery, _("%(exc)s，请重新填写机器人的 Webhook 地址和密钥") % {"exc": exc})
                return "failed"
            delivery.status = Status.SENDING
            delivery.last_attempt_at = now
            delivery.save(update_fields=["status", "last_attempt_at"])
            message = robots.with_keyword(
                robots.Message(delivery.title, delivery.text, rich=robot.fmt == Robot.Format.RICH),
                robot.keyword,
            )
            return Claim(robot.kind, webhook, secret, message)
    enqueue([delivery_id], run_after=run_after)
    return "throttled"


def _skip_reason(delivery: RobotDelivery, robot: Robot, now: datetime) -> str:
    if delivery.status in (Status.SENT, Status.FAILED):
        return "skipped"
    if (
        delivery.status == Status.SENDING
        and delivery.last_attempt_at
        and delivery.last_attempt_at > now - STALE_SENDING
    ):
        return "skipped"  # another worker is calling the robot for it right now
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return "skipped"  # an early duplicate: the task queued for next_attempt_at will run it
    if not robot.enabled:
        _fail(delivery, _("机器人已停用，消息未发送"))
        return "failed"
    return ""


def _wait(robot: Robot, now: datetime) -> timedelta:
    if robot.throttled_until and robot.throttled_until > now:
        return robot.throttled_until - now
    longest = max(window for window, _ in robots.LIMITS[robot.kind])
    recent = RobotDelivery.objects.filter(
        robot=robot, last_attempt_at__gt=now - timedelta(seconds=longest), last_attempt_at__lte=now
    ).values_list("last_attempt_at", flat=True)
    return robots.throttle_wait(robot.kind, [t for t in recent if t is not None], now)


def _record(delivery_id: int, result: robots.Result, now: datetime) -> str:
    """Store the robot's answer and schedule what comes next."""
    run_after: datetime | None = None
    with transaction.atomic():
        robot_id = RobotDelivery.objects.values_list("robot_id", flat=True).get(pk=delivery_id)
        robot = Robot.objects.select_for_update().get(pk=robot_id)
        delivery = RobotDelivery.objects.select_for_update().get(pk=delivery_id)
        if result.outcome == robots.Outcome.SENT:
            delivery.status, delivery.sent_at, delivery.last_error = Status.SENT, now, ""
            delivery.attempts += 1
            delivery.next_attempt_at = None
            outcome = "sent"
        elif result.outcome == robots.Outcome.THROTTLED:
            robot.throttled_until = now + timedelta(seconds=robots.COOLDOWN_SECONDS[robot.kind])
            robot.save(update_fields=["throttled_until"])
            run_after = robot.throttled_until
            delivery.status, delivery.last_error, delivery.next_attempt_at = (
                Status.PENDING,
                result.error,
                run_after,
            )
            outcome = "throttled"
        elif result.outcome == robots.Outcome.TRANSIENT and delivery.attempts + 1 < MAX_ATTEMPTS:
            delivery.attempts += 1
            run_after = now + robots.backoff(delivery.attempts)
            delivery.status, delivery.last_error, delivery.next_attempt_at = (
                Status.PENDING,
                result.error,
                run_after,
            )
            outcome = "retry"
        else:
            delivery.attempts += 1
            error = result.error
            if result.outcome == robots.Outcome.TRANSIENT:
                error = _("%(error)s（已尝试 %(attempts)s 次，不再自动重试）") % {
                    "error": error,
                    "attempts": delivery.attempts,
                }
            _fail(delivery, error, save=False)
            outcome = "failed"
        delivery.save()
    if run_after is not None:
        enqueue([delivery_id], run_after=run_after)
    return outcome


def _fail(delivery: RobotDelivery, error: str, *, save: bool = True) -> None:
    delivery.status = Status.FAILED
    delivery.last_error = error
    delivery.next_attempt_at = None
    if save:
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
