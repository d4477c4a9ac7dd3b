"""The overview dashboard in a real browser: the ECharts canvases render with data (desktop
and phone) and the page raises no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.content import defaults as content_defaults
from mediadesk.content.models import BestTime
from mediadesk.matrix import defaults as matrix_defaults
from mediadesk.matrix.models import Platform, StandardRule
from tests.analytics.conftest import Posts
from tests.analytics.conftest import posts as posts  # the fixture, re-exported
from tests.analytics.test_monitoring import seed_rows
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD, World

PERIOD = "?start=2024-05-01&end=2024-05-07"


@pytest.fixture
def restored(transactional_db: Any) -> None:
    # A previous transactional test's flush may have removed the rows migrations install.
    matrix_defaults.install(Platform, StandardRule)
    content_defaults.install_best_times(Platform, BestTime)


def watch_csp(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.usefixtures("restored")
def test_overview_renders_charts(page: Any, phone_page: Any, world: World, posts: Posts) -> None:
    seed_rows(world, posts)
    for p, name in ((page, "analytics-overview"), (phone_page, "analytics-overview-phone")):
        problems = watch_csp(p)
        log_in(p, world.operator.username, PASSWORD)
        p.goto(f"{p.base}/analytics/{PERIOD}")
        trend = p.locator("[data-chart=trend] canvas")
        trend.wait_for()
        assert p.locator("[data-chart] canvas").count() == 4
        box = trend.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150
        assert "1,180,000" in p.locator("[data-testid=kpis]").inner_text()
        shot(p, name)
        assert problems == []
