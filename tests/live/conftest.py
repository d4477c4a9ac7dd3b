"""Live fixtures: a level-1 抖音 account of 曲江府 (西安) and helpers."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from mediadesk.live import services
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.roles import Role
from tests.conftest import World, make_user
from tests.fakes.douyin_live import douyin_live  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def live_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def at(y: int, m: int, d: int, h: int = 15, mi: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


@pytest.fixture
def account(world: World) -> Account:
    return Account.objects.create(
        organisation=world.org, platform=Platform.objects.get(code="douyin"), name="锦程曲江府",
        level=1, project=world.qujiang, company=world.xian, bio="每周一三五 15:00 直播看房",
    )  # fmt: skip


@pytest.fixture
def chengdu_account(world: World) -> Account:
    return Account.objects.create(
        organisation=world.org, platform=Platform.objects.get(code="douyin"), name="锦程天府",
        level=1, project=world.tianfu, company=world.chengdu,
    )  # fmt: skip


def make_session(world: World, account: Account, **kw: Any) -> Any:
    values = {"title": "曲江府开盘", "planned_start": at(2030, 3, 4),
              "planned_end": at(2030, 3, 4, 17), "anchors": [world.operator]}  # fmt: skip
    values.update(kw)
    return services.create_session(by=world.operator, account=account, **values)


@pytest.fixture
def anchor(world: World) -> Any:
    """A 主播 of 西安 (live.view + live.console + leads.capture)."""
    return make_user("anchor", world.org, (Role.ANCHOR, world.xian))
