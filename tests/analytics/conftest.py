"""Fixtures of the analytics tests: a 公众号 and a 抖音 account of 曲江府 (西安, custodian
operator), one 成都 account, published posts on them, and file builders.

Posts (all published on 2024-05-01 Beijing time):
  wx_post   公众号 "曲江府五月开放日"  url WX_URL, target 互动 10,000
  dy_post   抖音   "样板间实拍"        external id DY_ID, targets 播放 500,000 and 转化 2,000
  cd_post   抖音 (成都) "天府新品"      external id CD_ID
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.content.models import ContentItem, Form, Status, Variant
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import User
from tests.conftest import World

WX_URL = "https://mp.weixin.qq.com/s?__biz=MzA1&mid=2650&idx=1&sn=abc123"
DY_ID = "7360000000000000001"
CD_ID = "7360000000000000099"
PUBLISHED = timezone.make_aware(dt.datetime(2024, 5, 1, 20, 0))

WECHAT_HEADERS = [
    "内容标题", "发表时间", "总阅读人数", "总阅读次数", "总分享人数", "总分享次数", "阅读后关注人数",
    "送达人数", "公众号消息阅读次数", "送达阅读率", "首次分享次数", "分享产生阅读次数", "首次分享率",
    "每次分享带来阅读次数", "阅读完成率", "内容url",
]  # fmt: skip


@dataclass
class Posts:
    wechat: Account
    douyin: Account
    chengdu: Account
    wx_post: Variant
    dy_post: Variant
    cd_post: Variant


@pytest.fixture(autouse=True)
def analytics_settings(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def make_account(world: World, code: str, name: str, project: Any, custodian: User) -> Account:
    return Account.objects.create(
        organisation=world.org, company=project.company, project=project,
        platform=Platform.objects.get(code=code), name=name, level=2, custodian=custodian,
        followers=50_000,
    )  # fmt: skip


def make_post(account: Account, title: str, *, owner: User, when: dt.datetime = PUBLISHED,
              **values: Any) -> Variant:  # fmt: skip
    targets = {k: values.pop(k) for k in list(values) if k.startswith("target_")}
    item = ContentItem.objects.create(
        organisation=account.organisation, company=account.company, project=account.project,
        title=title, owner=owner, created_by=owner, form=Form.ARTICLE, status=Status.PUBLISHED,
        **targets,
    )  # fmt: skip
    return Variant.objects.create(
        item=item, organisation=account.organisation, company=account.company,
        project=account.project, owner=owner, account=account, platform=account.platform,
        status=Status.PUBLISHED, title=title, published_at=when, **values,
    )  # fmt: skip


@pytest.fixture
def posts(world: World) -> Posts:
    wechat = make_account(world, "wechat_mp", "锦程曲江府服务号", world.qujiang, world.operator)
    douyin = make_account(world, "douyin", "锦程曲江府抖音", world.qujiang, world.operator)
    chengdu = make_account(world, "douyin", "锦程天府抖音", world.tianfu, world.operator_cd)
    return Posts(
        wechat, douyin, chengdu,
        make_post(wechat, "曲江府五月开放日", owner=world.planner, published_url=WX_URL,
                  target_interactions=10_000),
        make_post(douyin, "样板间实拍", owner=world.operator, external_id=DY_ID,
                  target_exposure=500_000, target_conversions=2_000),
        make_post(chengdu, "天府新品", owner=world.operator_cd, external_id=CD_ID),
    )  # fmt: skip


def wechat_row(title: str, url: str, *, reads: int = 28_000, shares: int = 900,
               published: str = "2024-05-01 20:00") -> list[str]:  # fmt: skip
    return [title, published, str(reads - 3000), str(reads), "700", str(shares), "120", "52000",
            "16000", "30.77%", "500", "2400", "1.8%", "2.7", "45.2%", url]  # fmt: skip


def csv_bytes(headers: list[str], rows: list[list[str]], encoding: str = "gb18030") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def wechat_export(posts: Posts, *extra_rows: list[str]) -> bytes:
    """A 公众号 已通知内容 export (GB18030): the planned post, an unplanned one, extra rows."""
    rows = [
        wechat_row("曲江府五月开放日", posts.wx_post.published_url),
        wechat_row("五一看房团回顾", "https://mp.weixin.qq.com/s?__biz=MzA1&mid=2651&idx=1&sn=zzz",
                   reads=9_000, published="2024-05-03 12:00"),
        *extra_rows,
    ]  # fmt: skip
    return csv_bytes(WECHAT_HEADERS, rows)


def ingest(
    user: User, platform: str, *items: dict[str, Any], account: Account | None = None
) -> Any:
    """Ingest items (field → value) through the service engine, as the API does."""
    from mediadesk.analytics import services

    batch = services.start_batch(
        by=user, platform=Platform.objects.get(code=platform), account=account,
        source=services.Source.API,
    )  # fmt: skip
    ctx = services.Context(user=user, batch=batch, accept_fuzzy=True)
    rows = [services.RawRow(i, dict(item)) for i, item in enumerate(items)]
    report = services.validate(rows, ctx)
    assert not report.errors, report.errors
    return services.write(report, ctx)


def at(hours: int, base: dt.datetime = PUBLISHED) -> dt.datetime:
    return base + dt.timedelta(hours=hours)
