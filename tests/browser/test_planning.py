"""The 重要紧急 board: a task dragged to another quadrant is stored; the 今日 agenda on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from mediadesk.core.models import AuditEntry
from mediadesk.matrix import defaults as matrix_defaults
from mediadesk.matrix.models import Platform, StandardRule
from mediadesk.orgs.models import Company, Organisation
from mediadesk.orgs.roles import Role
from mediadesk.planning.models import AgendaCheck, Task
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def planner(transactional_db: Any) -> Any:
    matrix_defaults.install(Platform, StandardRule)
    org = Organisation.objects.create(name="锦程置业集团", brand_keyword="锦程")
    xian = Company.objects.create(organisation=org, name="西安公司", city="西安")
    user = make_user("planner", org, (Role.PLANNER, xian))
    Task.objects.create(organisation=org, title="整理素材库", owner=user)
    # due within today whatever the hour CI runs at (two hours ahead can be tomorrow in Shanghai)
    end_of_day = timezone.localtime().replace(hour=23, minute=59, second=0, microsecond=0)
    Task.objects.create(organisation=org, title="审核开盘海报", owner=user, important=True,
                        urgent=True, due_at=end_of_day)  # fmt: skip
    return user


def test_a_task_dragged_to_important_urgent_is_stored(page: Any, planner: Any) -> None:
    log_in(page, "planner", PASSWORD)
    page.goto(f"{page.base}/planning/board/")
    task = page.locator('[data-testid="quadrant-q4"] [data-testid="task"]', has_text="整理素材库")
    task.drag_to(page.locator('[data-testid="quadrant-q1"]'))
    page.locator(
        '[data-testid="quadrant-q1"] [data-testid="task"]', has_text="整理素材库"
    ).wait_for()
    page.wait_for_function("document.querySelector('[data-moved]') !== null")
    moved = Task.objects.get(title="整理素材库")
    assert moved.important and moved.urgent
    assert AuditEntry.objects.filter(action="task.update", target_id=str(moved.pk)).exists()
    shot(page, "planning-board")


def test_the_agenda_fits_a_phone_and_confirms_publishing(phone_page: Any, planner: Any) -> None:
    page = phone_page
    log_in(page, "planner", PASSWORD)
    page.goto(f"{page.base}/planning/agenda/")
    page.get_by_text("审核开盘海报").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
    page.get_by_test_id("confirm").click()
    page.get_by_test_id("confirmed").wait_for()
    assert AgendaCheck.objects.filter(user=planner, date=timezone.localdate()).exists()
    shot(page, "planning-agenda-phone")
