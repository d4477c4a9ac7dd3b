"""The live console on a phone (375 px): one-tap lead capture tied to the session and the
checklist's confirm."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.leads.models import Touch
from mediadesk.live import services
from mediadesk.live.models import ChecklistItem, Session
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.orgs.roles import Role
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def live_session(transactional_db: Any) -> Session:
    from mediadesk.matrix import defaults as matrix_defaults
    from mediadesk.matrix.models import StandardRule

    matrix_defaults.install(Platform, StandardRule)  # transactional_db flushed the seeded rows
    org = Organisation.objects.create(name="锦程置业集团", brand_keyword="锦程")
    xian = Company.objects.create(organisation=org, name="西安公司", city="西安")
    project = Project.objects.create(organisation=org, company=xian, name="锦程·曲江府")
    anchor = make_user("zhubo", org, (Role.ANCHOR, xian), (Role.OPERATOR, xian))
    account = Account.objects.create(
        organisation=org, platform=Platform.objects.get(code="douyin"), name="锦程曲江府",
        level=1, project=project, company=xian,
    )  # fmt: skip
    start = timezone.now() - dt.timedelta(minutes=10)
    return services.create_session(
        by=anchor, account=account, title="曲江府开盘", planned_start=start,
        planned_end=start + dt.timedelta(hours=2), anchors=[anchor],
    )  # fmt: skip


def test_console_captures_a_lead_and_confirms_an_item_on_a_phone(
    phone_page: Any, live_session: Session
) -> None:
    page = phone_page
    log_in(page, "zhubo", PASSWORD)
    page.goto(f"{page.base}/live/sessions/{live_session.pk}/console/")
    assert "开场预热" in page.get_by_test_id("stage").inner_text()
    page.get_by_label("快速留资").fill("13912345678")
    shot(page, "live-console-375")
    page.get_by_test_id("capture-btn").click()
    page.get_by_text("已留资").wait_for()
    touch = Touch.objects.get(live_session=live_session)
    assert touch.customer.phone == "13912345678" and touch.source == "live"
    page.get_by_test_id("confirm-environment").click()
    page.get_by_text("已确认").wait_for()
    item = ChecklistItem.objects.get(session=live_session, code="environment")
    assert item.done and item.confirmed_by is not None
    page.goto(f"{page.base}/live/sessions/{live_session.pk}/")
    assert "139****5678" in page.get_by_test_id("session-leads").inner_text()
