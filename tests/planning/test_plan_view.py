"""周计划/月计划: my tasks of the period by quadrant beside planned content and live sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from mediadesk.planning import tasks_service
from mediadesk.planning.views_plan import period
from tests.conftest import World
from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db


def test_week_and_month_periods() -> None:
    assert period("week", dt.date(2026, 3, 4)) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert period("month", dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_the_week_view_lists_tasks_by_quadrant_and_planned_lives(
    world: World, account: Any, login: Any
) -> None:
    monday = dt.date(2030, 3, 4)
    due = timezone.make_aware(dt.datetime(2030, 3, 5, 10))
    tasks_service.create_task(world.operator, owner=world.operator,
                              data={"title": "准备开盘直播脚本", "due_at": due, "important": True, "urgent": False})  # fmt: skip
    tasks_service.create_task(world.operator, owner=world.operator,
                              data={"title": "下周的事", "due_at": due + dt.timedelta(days=7)})  # fmt: skip
    tasks_service.create_task(world.manager, owner=world.manager,
                              data={"title": "经理的事", "due_at": due, "important": True, "urgent": True})  # fmt: skip
    make_session(world, account)  # 2030-03-04 15:00
    url = reverse("planning:plan_view") + f"?view=week&date={monday.isoformat()}"
    page = login(world.operator).get(url).content.decode()
    q2 = page.split('data-testid="plan-q2"')[1].split('data-testid="plan-q3"')[0]
    assert "准备开盘直播脚本" in q2
    assert "下周的事" not in page and "经理的事" not in page
    assert page.count('data-testid="planned-live"') == 1 and "曲江府开盘" in page
    month = login(world.operator).get(reverse("planning:plan_view") + "?view=month&date=2030-03-20")
    assert (
        "下周的事" in month.content.decode() and "2030-03-01 ~ 2030-03-31" in month.content.decode()
    )
    bad = login(world.operator).get(reverse("planning:plan_view") + "?view=week&date=nonsense")
    assert bad.status_code == 200  # an unreadable date falls back to today


def test_the_plan_view_needs_a_login(client: Any) -> None:
    assert client.get(reverse("planning:plan_view")).status_code == 302
