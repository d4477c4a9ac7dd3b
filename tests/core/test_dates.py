"""Finding 6: every date input is bounded in one place (core.dates), so no extreme date is a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World


@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31"])
def test_the_audit_api_refuses_a_date_outside_the_supported_range(
    world: World, api: Any, since: str
) -> None:
    response = api(world.admin).get(f"/api/v1/audit?since={since}")
    assert response.status_code == 422, response.content
    assert "errors" in response.json()


@pytest.mark.parametrize("q", ["since=0001-01-01", "until=9999-12-31"])
def test_the_audit_page_ignores_a_date_outside_the_range(world: World, login: Any, q: str) -> None:
    assert login(world.admin).get(f"/audit/?{q}").status_code == 200


def test_a_report_dated_0001_is_refused_not_a_500(world: World, api: Any) -> None:
    response = api(world.admin).post(
        "/api/v1/leads/reports",
        {"project": world.qujiang.pk, "channel": 1, "phone": "13812345678",
         "reported_at": "0001-01-01T00:00:00+08:00"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 422, response.content


@pytest.mark.parametrize(
    "url", ["/leads/?to=9999-12-31", "/leads/?from=0001-01-01", "/leads/pool/?to=9999-12-31"]
)
def test_list_filters_with_extreme_dates_answer_without_a_500(
    world: World, login: Any, url: str
) -> None:
    assert login(world.admin).get(url).status_code == 200
