"""The inbox in Chromium: a service user opens a lead-candidate comment, replies with a
suggested standard reply (copy + 已在平台回复), then turns it into a lead in one click; a
reply with 全网最低价 is refused with the finding shown."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.engagement.models import Message
from mediadesk.leads.models import Touch
from mediadesk.orgs import demo
from tests.browser.conftest import log_in, shot


@pytest.fixture
def demo_data(transactional_db: Any) -> None:
    demo.load()


def test_service_replies_with_a_suggestion_and_turns_the_comment_into_a_lead(page: Any, demo_data: None) -> None:  # fmt: skip
    message = Message.objects.get(text="多少钱一平？电话13912345678")
    log_in(page, "service", demo.DEMO_PASSWORD)
    page.goto(f"{page.base}/engagement/?lead=1")
    page.get_by_role("link", name="多少钱一平？电话139****5678").click()
    assert page.get_by_test_id("message-text").inner_text() == "多少钱一平？电话139****5678"

    page.get_by_test_id("reply-text").fill("全网最低价，快来")
    page.get_by_test_id("reply-confirm").click()
    page.get_by_text("回复未发送：含违规用语").wait_for()
    assert not message.replies.exists()

    page.get_by_test_id("suggestion").filter(has_text="价格咨询").click()
    assert "锦程" in page.get_by_test_id("reply-text").input_value()
    shot(page, "engagement-message")
    page.get_by_test_id("reply-confirm").click()
    page.get_by_text("已记录回复").wait_for()

    page.get_by_test_id("lead-project").select_option(label="锦程·曲江府")
    page.get_by_test_id("lead-button").click()
    page.get_by_test_id("lead-done").wait_for()

    message.refresh_from_db()
    assert message.status == "replied" and message.first_response_at is not None
    reply = message.replies.get()
    assert reply.state == "manual" and reply.standard_reply is not None
    touch = Touch.objects.get(pk=message.lead_touch_id)
    assert touch.customer.phone == "13912345678" and touch.source == "comment"
    assert touch.account_id == message.account_id


def test_the_dashboard_renders_its_charts(page: Any, demo_data: None) -> None:
    log_in(page, "manager", demo.DEMO_PASSWORD)
    page.goto(f"{page.base}/engagement/dashboard/")
    page.locator("[data-chart='days'][data-rendered='1']").wait_for()
    shot(page, "engagement-dashboard")
