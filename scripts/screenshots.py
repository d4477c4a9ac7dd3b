"""Take the README's screenshots from a running demo (`make run`, default http://127.0.0.1:8000).

    .venv/bin/python scripts/screenshots.py [BASE_URL]

Logs in as demo users in Chromium (Debian's /usr/bin/chromium, as the browser tests do),
switches the interface language on the profile page and writes PNGs into docs/. The users'
language is switched back to Chinese at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

DOCS = Path(__file__).resolve().parent.parent / "docs"
PASSWORD = "mediadesk-demo"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# (file, user, language, viewport, path)
SHOTS = [
    ("home-manager-zh.png", "manager", "zh-hans", DESKTOP, "/"),
    ("home-manager-en.png", "manager", "en", DESKTOP, "/"),
    ("home-sales-phone-zh.png", "sales", "zh-hans", PHONE, "/"),
    ("home-sales-phone-en.png", "sales", "en", PHONE, "/"),
]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def set_language(page: Page, base: str, language: str) -> None:
    page.goto(f"{base}/profile/")
    page.select_option("#language select[name=language]", language)
    page.locator("#language button").click()
    page.wait_for_load_state("networkidle")


def shoot(browser: Browser, base: str, shot: tuple[str, str, str, dict[str, int], str]) -> None:
    name, user, language, viewport, path = shot
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    log_in(page, base, user)
    set_language(page, base, language)
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(DOCS / name), full_page=True)
    set_language(page, base, "zh-hans")
    context.close()
    print(f"docs/{name}")


def main(base: str) -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for shot in SHOTS:
            shoot(browser, base.rstrip("/"), shot)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
