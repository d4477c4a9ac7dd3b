"""The publish package on a phone: copy buttons, then "已发布，粘贴链接" marks the post published."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.content.models import Status, Variant
from mediadesk.matrix.defaults import install
from mediadesk.matrix.models import Platform, StandardRule
from mediadesk.publishing import services
from mediadesk.publishing.models import PublishJob, State
from tests.browser.conftest import log_in, shot
from tests.conftest import PASSWORD
from tests.fakes.platforms import platforms
from tests.publishing.conftest import Desk

__all__ = ["platforms"]


@pytest.fixture
def desk(transactional_db: Any, world: Any, platforms: Any) -> Desk:
    install(Platform, StandardRule)
    return Desk(world, platforms)


def test_an_operator_posts_a_package_from_the_phone(phone_page: Any, desk: Desk) -> None:
    v = desk.approved("xiaohongshu", title="曲江府周末看房")["xiaohongshu"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base)
    log_in(page, "operator", PASSWORD)
    page.goto(f"{page.base}/publishing/packages/{job.pk}/")
    page.get_by_role("button", name="复制").first.click()
    page.get_by_role("button", name="已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "曲江府周末看房"
    shot(page, "publishing-package-phone")
    page.get_by_label("已发布，粘贴链接").fill("https://www.xiaohongshu.com/explore/65a1b2")
    page.get_by_role("button", name="已发布", exact=True).click()
    page.get_by_role("alert").filter(has_text="已标记为已发布").wait_for()
    assert PublishJob.objects.get(pk=job.pk).state == State.PUBLISHED
    assert Variant.objects.get(pk=v.pk).status == Status.PUBLISHED
