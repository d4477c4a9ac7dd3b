"""The content calendar in a real browser: a planner sees planned variants in the month
view and drags one to another day; the database and the audit trail follow. A phone gets
the list view."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mediadesk.content import defaults as content_defaults
from mediadesk.content.models import BestTime, ContentItem, Form, Status, Variant
from mediadesk.core.models import AuditEntry
from mediadesk.matrix import defaults as matrix_defaults
from mediadesk.matrix.models import Account, Platform, StandardRule
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.orgs.roles import Role
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD, make_user

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def planned(transactional_db: Any) -> list[Variant]:
    """A 西安 planner with three variants planned on 10 and 11 March 2026."""
    # A previous transactional test's flush may have removed the rows migrations install.
    matrix_defaults.install(Platform, StandardRule)
    content_defaults.install_best_times(Platform, BestTime)
    org = Organisation.objects.create(name="锦程置业集团", brand_keyword="锦程")
    xian = Company.objects.create(organisation=org, name="西安公司", city="西安")
    qujiang = Project.objects.create(organisation=org, company=xian, name="锦程·曲江府")
    planner = make_user("planner", org, (Role.PLANNER, xian))
    account = Account.objects.create(
        organisation=org, company=xian, project=qujiang, level=2, name="锦程曲江府",
        platform=Platform.objects.get(code="douyin"),
    )  # fmt: skip
    out = []
    for title, day, hour in (("样板间探访", 10, 19), ("曲江夜景", 10, 21), ("开放日预告", 11, 12)):
        item = ContentItem.objects.create(
            organisation=org, company=xian, project=qujiang, title=title, owner=planner,
            form=Form.SHORT_VIDEO, created_by=planner,
        )  # fmt: skip
        out.append(Variant.objects.create(
            item=item, organisation=org, company=xian, project=qujiang, owner=planner,
            account=account, platform=account.platform, status=Status.DRAFT, title=title,
            planned_at=dt.datetime(2026, 3, day, hour, tzinfo=SH),
        ))  # fmt: skip
    return out


def drag(page: Any, source: Any, target: Any) -> None:
    """Drag with real mouse moves in small steps (FullCalendar ignores a jump)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.up()


def test_planner_drags_a_planned_variant_to_another_day(page: Any, planned: list[Variant]) -> None:
    log_in(page, "planner", PASSWORD)
    page.goto(f"{page.base}/content/calendar/?date=2026-03-10&view=dayGridMonth")
    event = page.locator(".fc-event", has_text="样板间探访")
    event.wait_for()
    assert page.locator(".fc-event", has_text="曲江夜景").is_visible()
    assert page.locator(".fc-event", has_text="开放日预告").is_visible()
    assert event.locator(".md-cal-badge").inner_text() == "草稿"

    drag(page, event, page.locator('td.fc-daygrid-day[data-date="2026-03-13"]'))
    page.get_by_text("已改期至 2026-03-13 19:00").wait_for()

    moved = Variant.objects.get(pk=planned[0].pk)
    assert moved.planned_at == dt.datetime(2026, 3, 13, 19, tzinfo=SH)
    entry = AuditEntry.objects.get(action="content.reschedule", target_id=str(moved.pk))
    assert entry.actor_label == "planner" and entry.source == "web"
    cell = page.locator('td.fc-daygrid-day[data-date="2026-03-13"]')
    cell.locator(".fc-event", has_text="样板间探访").wait_for()
    shot(page, "content-calendar-month")


def test_a_phone_gets_the_list_view(phone_page: Any, planned: list[Variant]) -> None:
    log_in(phone_page, "planner", PASSWORD)
    phone_page.goto(f"{phone_page.base}/content/calendar/?date=2026-03-10")
    phone_page.locator(".fc-list-event", has_text="样板间探访").wait_for()
    assert phone_page.locator(".fc-dayGridMonth-view, .fc-timeGridWeek-view").count() == 0
    shot(phone_page, "content-calendar-phone")
