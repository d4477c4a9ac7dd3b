"""Three-level review in a real browser: a planner submits an item someone else owns from the
item page, then three other people approve it through the 待我审核 queue and review page."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.content.models import ContentItem, Status
from mediadesk.matrix.defaults import install
from mediadesk.matrix.models import Platform, StandardRule
from mediadesk.review.models import ReviewRun
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD
from tests.review.conftest import make_item


@pytest.fixture
def item(transactional_db: Any, world: Any) -> ContentItem:
    # A previous transactional test's flush may have emptied the platforms migrations install.
    install(Platform, StandardRule)
    return make_item(world, title="曲江府园林开放日", owner=world.operator)


def act_as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)


def approve_from_queue(page: Any, username: str, comment: str) -> None:
    act_as(page, username)
    page.goto(f"{page.base}/review/")
    page.get_by_test_id("queue-row").filter(has_text="曲江府园林开放日").click()
    page.locator("#id_comment").fill(comment)
    page.get_by_role("button", name="通过").click()
    page.get_by_role("alert").filter(has_text="已通过本步骤").wait_for()


def test_item_walks_from_draft_through_three_reviewers(
    page: Any, world: Any, item: ContentItem
) -> None:
    act_as(page, "planner")
    page.goto(f"{page.base}/content/items/{item.pk}/")
    page.get_by_test_id("review-panel").get_by_role("button", name="提交审核").click()
    page.get_by_role("alert").filter(has_text="已提交审核").wait_for()
    assert "待审核" in page.get_by_test_id("review-panel").inner_text()

    approve_from_queue(page, "manager_xa", "主题契合，数据已核对")
    approve_from_queue(page, "manager", "品牌调性一致")
    act_as(page, "legal")
    page.goto(f"{page.base}/review/")
    page.get_by_test_id("queue-row").first.click()
    shot(page, "review-run")
    page.locator("#id_comment").fill("无舆情风险")
    page.get_by_role("button", name="通过").click()
    page.get_by_role("alert").filter(has_text="已通过本步骤").wait_for()

    run = ReviewRun.objects.get(item=item)
    assert run.status == ReviewRun.Status.APPROVED and run.submitted_by == world.planner
    steps = list(run.steps.order_by("order").select_related("acted_by"))
    assert [s.acted_by.username for s in steps] == ["manager_xa", "manager", "legal"]
    assert [s.comment for s in steps] == ["主题契合，数据已核对", "品牌调性一致", "无舆情风险"]
    item.refresh_from_db()
    assert item.status == Status.APPROVED
    assert set(item.variants.values_list("status", flat=True)) == {Status.APPROVED}


def test_review_page_on_a_phone(phone_page: Any, world: Any, item: ContentItem) -> None:
    from mediadesk.review import services

    services.submit_item(item, by=world.planner)
    log_in(phone_page, "manager_xa", PASSWORD)
    phone_page.goto(f"{phone_page.base}/review/")
    phone_page.get_by_test_id("queue-row").first.click()
    phone_page.locator("#id_comment").wait_for()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380
    shot(phone_page, "review-run-phone")
