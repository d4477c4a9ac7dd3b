"""The matrix in a real browser: a manager creates an account through the form and finds it
in the tree; the tree is screenshotted for docs/."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account
from mediadesk.orgs import demo
from tests.browser.conftest import log_in, shot


@pytest.fixture
def demo_data(transactional_db: Any) -> None:
    demo.load()


def test_manager_creates_a_level3_account_and_sees_it_in_the_tree(
    page: Any, demo_data: None
) -> None:
    log_in(page, "manager", demo.DEMO_PASSWORD)
    page.locator(".md-sidebar").get_by_role("link", name="账号矩阵").click()
    page.get_by_role("link", name="新建账号").first.click()
    page.locator("#id_platform").select_option(label="抖音")
    page.locator("#id_name").fill("锦程曲江府-浏览器测试")
    page.locator("#id_level").select_option("3")
    page.locator("#id_parent").select_option(label="锦程曲江府（抖音）")
    page.locator("#id_bio").fill("曲江府置业顾问，匠心品质，私信预约看房。")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="锦程曲江府-浏览器测试").wait_for()

    account = Account.objects.get(name="锦程曲江府-浏览器测试")
    assert account.level == 3 and account.parent is not None and account.parent.name == "锦程曲江府"
    assert account.project is not None
    entry = AuditEntry.objects.get(action="account.create", target_id=str(account.pk))
    assert entry.actor_label == "manager" and entry.source == "web"

    page.goto(f"{page.base}/matrix/")
    assert page.locator(".md-tree").get_by_text("锦程曲江府-浏览器测试").is_visible()
    shot(page, "matrix-tree")


def test_sales_cannot_open_the_new_account_form(page: Any, demo_data: None) -> None:
    log_in(page, "sales", demo.DEMO_PASSWORD)
    page.goto(f"{page.base}/matrix/accounts/new/")
    assert "没有权限" in page.locator("h1").first.inner_text()
    page.goto(f"{page.base}/matrix/")
    assert page.get_by_role("link", name="新建账号").count() == 0
