"""Review fixtures on top of the `world` personas.

`draft(...)` builds a content item (owner `operator` of 西安 unless told) with a 抖音 and a
公众号 variant on project 曲江府 accounts, straight through the ORM, so review tests do not
depend on the content pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.content.models import ContentItem, Form, Status, Variant
from mediadesk.matrix import services as matrix_services
from mediadesk.matrix.models import Account, Platform
from tests.conftest import World

CLEAN_BODY = "锦程·曲江府实景示范区开放，欢迎周末到访品鉴园林景观。"
RISKY_BODY = "锦程·曲江府全网最低价，买到就是升值！"


@pytest.fixture(autouse=True)
def review_settings(settings: Any, tmp_path: Any) -> None:
    """Evidence uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def account(world: World, code: str, name: str) -> Account:
    existing = Account.objects.filter(organisation=world.org, name=name).first()
    if existing is not None:
        return existing
    values = {"platform": Platform.objects.get(code=code), "name": name, "level": 2,
              "project": world.qujiang}  # fmt: skip
    return matrix_services.create_account(by=world.admin, organisation=world.org, values=values)


def make_item(world: World, *, title: str = "曲江府园林开放", body: str = CLEAN_BODY,
              owner: Any = None, form: str = Form.ARTICLE) -> ContentItem:  # fmt: skip
    owner = owner or world.operator
    item = ContentItem.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, title=title,
        owner=owner, form=form, created_by=owner,
    )  # fmt: skip
    for code, name in (("douyin", "锦程曲江府"), ("wechat_mp", "锦程曲江府公众号")):
        acc = account(world, code, name)
        Variant.objects.create(
            item=item, organisation=world.org, company=world.xian, project=world.qujiang,
            owner=owner, account=acc, platform=acc.platform, title=title, body=body,
            status=Status.DRAFT,
        )  # fmt: skip
    return item


@pytest.fixture
def draft(world: World) -> Any:
    """draft(**kw) → a new draft item with two variants."""

    def _draft(**kwargs: Any) -> ContentItem:
        return make_item(world, **kwargs)

    return _draft
