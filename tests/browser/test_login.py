"""Every demo user logs in through the Chinese login page and sees what their role allows."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.orgs import demo
from tests.browser.conftest import log_in, shot


@pytest.fixture
def demo_data(transactional_db: Any) -> None:
    demo.load()


def test_login_page_is_chinese_and_rejects_bad_password(page: Any, demo_data: None) -> None:
    page.goto(f"{page.base}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_label("用户名或手机号").fill("manager")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().strip() == "用户名/手机号或密码不正确"


def test_every_demo_user_logs_in_and_sees_their_workbench(page: Any, demo_data: None) -> None:
    for username, display, role, _scope, _phone in demo.DEMO_USERS:
        log_in(page, username, demo.DEMO_PASSWORD)
        assert page.get_by_role("heading", name="工作台").is_visible()
        assert str(role.label) in page.content()
        matrix_link = page.locator(".md-sidebar").get_by_role("link", name="账号矩阵")
        assert matrix_link.count() == 1
        page.goto(f"{page.base}/audit/")
        allowed = username in {"admin", "manager"}
        assert ("审计记录" in page.locator("h1").first.inner_text()) is allowed, username
        page.context.clear_cookies()


def test_phone_sized_home_has_menu_behind_a_button(phone_page: Any, demo_data: None) -> None:
    log_in(phone_page, "manager", demo.DEMO_PASSWORD)
    assert not phone_page.locator(".md-sidebar").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page overflows horizontally: {width}px"
    shot(phone_page, "home-phone")
    phone_page.get_by_role("button", name="菜单").click()
    phone_page.locator(".md-sidebar").get_by_role("link", name="账号矩阵").wait_for(state="visible")


def test_pages_run_under_the_content_security_policy_without_violations(
    page: Any, demo_data: None
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    log_in(page, "admin", demo.DEMO_PASSWORD)
    for path in (
        "/",
        "/matrix/",
        "/matrix/accounts/new/",
        "/settings/users/new/",
        "/profile/",
        "/api/v1/docs",
    ):
        response = page.goto(f"{page.base}{path}")
        assert response is not None and "script-src 'self'" in (
            response.headers.get("content-security-policy") or ""
        )
        page.wait_for_load_state("networkidle")
    page.goto(f"{page.base}/matrix/accounts/new/")
    page.locator("#id_bio").fill("测试简介")  # Alpine's live counter evaluates under the policy
    assert violations == []
