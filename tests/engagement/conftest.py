"""Engagement fixtures: a 微博 account and a 公众号 account of 曲江府, a service user on duty
with a supervisor, a published 微博 post, and a helper that ingests one message.

Fixture names are a contract between the engagement test modules: `desk` (the Desk below),
`t10` (10:00 Shanghai on a fixed day), `incoming` (build services.Incoming).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mediadesk.content.models import ContentItem, Form, Variant
from mediadesk.engagement import services
from mediadesk.engagement.models import Message, ServiceSeat
from mediadesk.matrix import services as matrix_services
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Role
from tests.conftest import World, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Desk:
    world: World
    weibo: Account
    wechat: Account
    douyin: Account
    service: User
    supervisor: User
    post: Variant

    def ingest(self, text: str, *, platform: str = "weibo", kind: str = "comment", at: dt.datetime | None = None, external_id: str = "", account: Account | None = None, **extra: Any) -> Message:  # fmt: skip
        account = account or {"weibo": self.weibo, "wechat_mp": self.wechat, "douyin": self.douyin}[platform]  # fmt: skip
        item = services.Incoming(
            platform=platform, kind=kind, external_id=external_id or f"x{Message.objects.count() + 1}",
            text=text, received_at=at or dt.datetime.now(SHANGHAI), account_id=account.pk, **extra,
        )  # fmt: skip
        return services.ingest(self.world.org, [item])[0][0]


@pytest.fixture(autouse=True)
def engagement_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def t10() -> dt.datetime:
    return dt.datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)


def _account(world: World, code: str, name: str) -> Account:
    values = {"platform": Platform.objects.get(code=code), "name": name, "level": 2, "project": world.qujiang}  # fmt: skip
    return matrix_services.create_account(by=world.admin, organisation=world.org, values=values)


@pytest.fixture
def desk(world: World) -> Desk:
    supervisor = make_user("kf_lead", world.org, (Role.MANAGER, world.xian))
    service = make_user("kf_a", world.org, (Role.SERVICE, world.xian))
    world.users["kf_a"], world.users["kf_lead"] = service, supervisor
    ServiceSeat.objects.create(organisation=world.org, user=service, supervisor=supervisor)
    weibo = _account(world, "weibo", "锦程曲江府微博")
    wechat = _account(world, "wechat_mp", "锦程曲江府公众号")
    douyin = _account(world, "douyin", "锦程曲江府抖音")
    item = ContentItem.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, title="曲江府开放日",
        owner=world.planner, form=Form.ARTICLE if hasattr(Form, "ARTICLE") else Form.values[0],
        created_by=world.planner, status="published",
    )  # fmt: skip
    post = Variant.objects.create(
        item=item, organisation=world.org, company=world.xian, project=world.qujiang,
        owner=world.planner, account=weibo, platform=weibo.platform, status="published",
        published_at=dt.datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), published_url="https://weibo.com/1/abc",
    )  # fmt: skip
    return Desk(world, weibo, wechat, douyin, service, supervisor, post)
