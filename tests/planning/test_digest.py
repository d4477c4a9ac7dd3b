"""The daily agenda digest to the robots: at the configured hour only, once per organisation,
with today's posts, live sessions and due/overdue tasks, and a link to 今日."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.notifications.models import Robot, RobotDelivery
from mediadesk.planning import digest, tasks_service
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _robot(world: World, kinds: list[str]) -> Robot:
    return Robot.objects.create(organisation=world.org, name="运营群", kind="wecom",
                                webhook_sealed="-", webhook_masked="https://qyapi…",
                                fmt="rich", event_kinds=kinds)  # fmt: skip


def test_the_digest_goes_to_subscribed_robots_at_the_configured_hour(
    world: World, settings: Any
) -> None:
    settings.PLANNING_AGENDA_HOUR = 8
    settings.PLANNING_SITE_URL = "https://md.example.invalid"
    _robot(world, [digest.KIND])
    _robot(world, ["review.waiting"])  # not subscribed
    today = timezone.localdate()
    eight = timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0)))
    tasks_service.create_task(world.manager, owner=world.planner,
                              data={"title": "确认今日推文", "due_at": eight + dt.timedelta(hours=3)})  # fmt: skip
    tasks_service.create_task(world.manager, owner=world.operator,
                              data={"title": "昨天没做完", "due_at": eight - dt.timedelta(days=1)})  # fmt: skip
    assert digest.send_all(eight + dt.timedelta(hours=1)) == 0  # 09:00: not the hour
    assert not RobotDelivery.objects.exists()
    assert digest.send_all(eight) == 1
    delivery = RobotDelivery.objects.get()
    assert delivery.robot.event_kinds == [digest.KIND]
    assert "今日到期任务 1 项，已逾期 1 项" in delivery.text
    assert "(https://md.example.invalid/planning/agenda/)" in delivery.text


def test_an_empty_day_sends_nothing(world: World) -> None:
    _robot(world, [])
    assert digest.send(world.org, dt.date(2030, 1, 1)) is False
    assert not RobotDelivery.objects.exists()
