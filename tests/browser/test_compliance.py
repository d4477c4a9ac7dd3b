"""The live compliance widget: typing in a marked field shows findings under it."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.compliance import services
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD, World


@pytest.fixture
def checked_world(transactional_db: Any, world: World) -> World:
    services.lexicon_version(world.org)
    return world


def test_typing_highlights_findings_with_suggestions(page: Any, checked_world: World) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, "legal", PASSWORD)
    page.goto(f"{page.base}/compliance/try/")
    box = page.locator("#md-live")
    page.locator("#id_text").fill("给你最 好的家，首付三成，第一次置业。步行5分钟到达地铁站。")
    box.get_by_text("其中 2 处禁止使用").wait_for()
    marks = box.locator("mark").all_inner_texts()
    assert marks == ["最 好", "步行5分钟到达"]
    assert "建议：优选、更好、优质" in box.inner_text()
    page.locator("#id_text").fill("首付三成，第一时间通知您。")
    box.get_by_text("未发现广告法风险用语").wait_for()
    shot(page, "compliance-try")
    # (favicon.ico 404s are not this page's concern)
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e]


def test_terms_list_fits_a_phone(phone_page: Any, checked_world: World) -> None:
    log_in(phone_page, "legal", PASSWORD)
    phone_page.goto(f"{phone_page.base}/compliance/?category=superlative")
    assert phone_page.get_by_role("link", name="最好").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380
    shot(phone_page, "compliance-terms-phone")
