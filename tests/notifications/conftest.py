"""Fixtures and helpers of the notifications tests: the fake robot server and the worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.db.models import F
from django_tasks_db.models import DBTaskResult, get_date_max

from mediadesk.notifications import services
from mediadesk.notifications.models import Robot, RobotDelivery
from tests.fakes.robots import FakeRobotServer, robot_server

__all__ = ["robot_server"]


def run_worker() -> None:
    """Run the real worker until no task is due (the `--batch` mode of `mediadesk worker`).

    The worker closes "old" connections between tasks, which on PostgreSQL would close the
    test's own connection mid-transaction; inside one test there are no old connections."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--batch", "--interval", "0")


def ready_tasks() -> int:
    return DBTaskResult.objects.filter(status="READY").count()


def pass_time(seconds: int, server: FakeRobotServer | None = None) -> None:
    """Pretend `seconds` went by: move every recorded robot time back, make queued tasks and
    deliveries due when they would be, and advance the fake server's clock."""
    delta = timedelta(seconds=seconds)
    RobotDelivery.objects.filter(last_attempt_at__isnull=False).update(
        last_attempt_at=F("last_attempt_at") - delta
    )
    RobotDelivery.objects.filter(sent_at__isnull=False).update(sent_at=F("sent_at") - delta)
    RobotDelivery.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=F("next_attempt_at") - delta
    )
    Robot.objects.filter(throttled_until__isnull=False).update(
        throttled_until=F("throttled_until") - delta
    )
    queued = DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max())
    queued.update(run_after=F("run_after") - delta)
    if server is not None:
        server.advance(seconds)


def make_robot(by: Any, org: Any, kind: str, webhook: str, **values: Any) -> Robot:
    return services.save_robot(
        None,
        by=by,
        organisation=org,
        values={"name": f"{kind} 群", "kind": kind, "webhook": webhook, **values},
    )
