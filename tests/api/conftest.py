"""A small matrix to call the API on: a brand account with project accounts under it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mediadesk.matrix import services
from mediadesk.matrix.models import Account, Platform
from tests.conftest import World


@dataclass
class Tree:
    brand: Account  # level 1, organisation-wide (no company)
    xian: Account  # level 2, 西安公司 / 曲江府
    chengdu: Account  # level 2, 成都公司 / 天府


def account_values(**values: Any) -> dict[str, Any]:
    values.setdefault("platform", Platform.objects.get(code="douyin"))
    return values


@pytest.fixture
def tree(world: World) -> Tree:
    admin = world.admin
    brand = services.create_account(
        by=admin, organisation=world.org, values=account_values(name="锦程置业", level=1)
    )
    xian = services.create_account(
        by=admin,
        organisation=world.org,
        values=account_values(name="锦程曲江府", level=2, parent=brand, project=world.qujiang),
    )
    chengdu = services.create_account(
        by=admin,
        organisation=world.org,
        values=account_values(name="锦程天府", level=2, parent=brand, project=world.tianfu),
    )
    return Tree(brand, xian, chengdu)


def json_post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def json_patch(client: Any, url: str, body: Any) -> Any:
    return client.patch(url, body, content_type="application/json")
