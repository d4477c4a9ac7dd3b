from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.conftest import posts  # noqa: F401  (the analytics fixture)
from tests.engagement.conftest import desk as inbox_desk  # noqa: F401  (the inbox desk)
from tests.live.conftest import account, anchor  # noqa: F401  (the live fixtures)
from tests.review.conftest import draft  # noqa: F401  (the review fixture)


@pytest.fixture(autouse=True)
def planning_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
