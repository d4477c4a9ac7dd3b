"""私域 in Chromium: on a phone the manager filters members by stage, opens a member, sees the
timeline and stage history, reveals the full number (audited); the funnel chart renders."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.core.models import AuditEntry
from mediadesk.orgs import demo
from mediadesk.private.models import Member
from tests.browser.conftest import log_in, shot


@pytest.fixture
def demo_data(transactional_db: Any) -> None:
    demo.load()


def test_member_list_and_page_on_a_phone(phone_page: Any, demo_data: None) -> None:
    page = phone_page
    member = Member.objects.get(phone="13912340005")
    log_in(page, "manager", demo.DEMO_PASSWORD)
    page.goto(f"{page.base}/private/?stage=loyal")
    page.locator("#funnel canvas").first.wait_for()
    rows = page.get_by_test_id("member")
    assert rows.count() == Member.objects.filter(stage="loyal", merged_into=None).count()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1  # nothing wider than the phone
    shot(page, "private-members-phone")
    page.get_by_role("link", name=str(member)).click()
    page.get_by_test_id("timeline-item").first.wait_for()
    assert "139****0005" in page.get_by_test_id("phone").inner_text()
    page.get_by_role("button", name="查看全号").click()
    page.get_by_text("13912340005").wait_for()
    assert AuditEntry.objects.filter(action="private.reveal", target_id=str(member.pk)).exists()
    shot(page, "private-member-phone")
