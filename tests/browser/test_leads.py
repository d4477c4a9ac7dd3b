"""Leads on a phone: a consultant quick-enters a walk-in lead at 375 px and logs the first
follow-up; the duplicate check (htmx) answers while typing."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.leads.models import Consultant, FollowUp, Opportunity
from mediadesk.orgs import demo
from mediadesk.orgs.models import Project, User
from tests.browser.conftest import log_in, shot


@pytest.fixture
def sales_seat(transactional_db: Any) -> User:
    demo.load()
    sales = User.objects.get(username="sales")
    project = Project.objects.get(name="锦程·曲江府")
    seat, _ = Consultant.objects.get_or_create(
        project=project, user=sales, defaults={"organisation": project.organisation}
    )
    # the demo's other consultants are off duty, so the new lead is allocated to `sales`
    Consultant.objects.filter(project=project).exclude(pk=seat.pk).update(on_duty=False)
    assert seat.on_duty
    return sales


def test_a_consultant_quick_enters_a_lead_and_logs_a_follow_up_on_a_phone(
    phone_page: Any, sales_seat: User
) -> None:
    page = phone_page
    log_in(page, "sales", demo.DEMO_PASSWORD)
    page.goto(f"{page.base}/leads/new/")
    page.get_by_label("手机号").fill("139 1234 5678")
    page.get_by_text("新客户").wait_for()
    page.get_by_label("姓名").fill("马先生")
    shot(page, "leads-quick-entry-375")
    page.get_by_role("button", name="保存线索").click()
    page.get_by_role("heading", name="马先生").wait_for()
    assert page.get_by_test_id("phone").inner_text() == "13912345678"

    page.get_by_label("跟进内容").fill("电话沟通，周六来访看三居样板间")
    page.get_by_label("通话时长(秒)").fill("210")
    page.get_by_label("意向等级").select_option("A")
    page.get_by_role("button", name="保存跟进").click()
    page.get_by_text("已记录跟进").wait_for()
    shot(page, "leads-customer-375")

    opportunity = Opportunity.objects.get(customer__phone="13912345678")
    assert opportunity.consultant == sales_seat and opportunity.stage == "contacted"
    assert opportunity.first_contact_at is not None and opportunity.intent == "A"
    assert FollowUp.objects.get(opportunity=opportunity).call_seconds == 210
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
