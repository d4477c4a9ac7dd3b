"""The scripts' texts (charts, the live compliance check, the calendar) come through Django's
JavaScriptCatalog in the user's language; base.html loads it before any script."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.i18n.catalogue import ensure_compiled

pytestmark = pytest.mark.django_db


def test_the_script_catalogue_follows_the_users_language(world: World, login: Any) -> None:
    ensure_compiled()
    world.planner.language = "en"
    world.planner.save(update_fields=["language"])
    english = login(world.planner).get("/jsi18n/")
    assert english.status_code == 200
    assert '"\\u66dd\\u5149\\u91cf": "Exposure"' in english.content.decode()
    world.planner.language = "zh-hans"
    world.planner.save(update_fields=["language"])
    chinese = login(world.planner).get("/jsi18n/").content.decode()
    assert "gettext" in chinese and "Exposure" not in chinese
    home = login(world.planner).get("/").content.decode()
    assert home.index('src="/jsi18n/"') < home.index("app.js")
