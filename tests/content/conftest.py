"""A small planning world on top of the `world` personas.

Accounts: level-1 抖音/公众号/小红书/微博 (org-wide, the brand), a level-2 抖音 of 曲江府
(西安) and a level-2 抖音 of 天府 (成都). `plan.item(...)` creates a draft item through
the services as the planner (西安).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from mediadesk.content import services
from mediadesk.content.models import ContentItem, Variant
from mediadesk.matrix.models import Account, Platform
from tests.conftest import World


@pytest.fixture(autouse=True)
def content_settings(settings: Any, tmp_path: Any) -> None:
    """Uploads and stashed imports go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def png(color: tuple[int, int, int] = (10, 20, 30), size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class Plan:
    world: World
    accounts: dict[str, Account]
    qujiang_dy: Account
    tianfu_dy: Account

    def item(
        self, title: str = "美好西安｜城墙夜色", *, by: Any = None, **values: Any
    ) -> ContentItem:
        by = by or self.world.planner
        data = {"title": title, "form": "short_video", "owner": by, "company": self.world.xian}
        data.update(values)
        return services.create_item(by=by, organisation=self.world.org, values=data)

    def variant(
        self, item: ContentItem, code: str = "douyin", *, by: Any = None, **values: Any
    ) -> Variant:
        account = values.pop("account", None) or self.accounts[code]
        return services.add_variant(
            item, by=by or self.world.planner, values={"account": account, **values}
        )


def _account(world: World, code: str, name: str, level: int = 1, project: Any = None) -> Account:
    return Account.objects.create(
        organisation=world.org, platform=Platform.objects.get(code=code), name=name, level=level,
        project=project, company=project.company if project else None,
    )  # fmt: skip


@pytest.fixture
def plan(world: World) -> Plan:
    accounts = {
        code: _account(world, code, f"锦程{code}")
        for code in ("douyin", "wechat_mp", "xiaohongshu", "weibo")
    }
    brand = accounts["douyin"]
    qujiang = _account(world, "douyin", "锦程曲江府", 2, world.qujiang)
    tianfu = _account(world, "douyin", "锦程天府", 2, world.tianfu)
    Account.objects.filter(pk__in=[qujiang.pk, tianfu.pk]).update(parent=brand)
    return Plan(world, accounts, qujiang, tianfu)
