"""Review workflows through the API: the same workflows, in the same order, as the page;
only for those who may set them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.parity import assert_same_rows
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_workflows_page_and_the_api_agree(world: World, login: Any, api: Any) -> None:
    listed = 0
    for user in (world.manager, world.admin, world.manager_xa, world.planner, world.legal):
        listed += assert_same_rows(login(user), api(user), "/review/workflows/",
                                   "/api/v1/reviews/workflows", [{}], limit=20,
                                   key="workflows")  # fmt: skip
    assert listed == 2  # the organisation-level manager and the administrator
    first = api(world.manager).get("/api/v1/reviews/workflows").json()["items"][0]
    assert first["steps"] and first["steps"][0]["order"] == 1
    assert api(world.planner).get("/api/v1/reviews/workflows").status_code == 403
