"""Compliance fixtures: a temporary folder for stashed imports."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def compliance_settings(settings: Any, tmp_path: Any) -> None:
    """Stashed imports go to a temporary folder, not var/."""
    settings.VAR_DIR = tmp_path / "var"
