"""Publishing fixtures: the fake platforms, connected accounts and approved variants.

`desk.approved(codes)` builds an item with one variant per platform code on 曲江府 accounts
(公众号 with a cover image, 抖音 with a video), takes it through the three review steps and
returns the variants by platform code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from mediadesk.content.models import Asset, ContentItem, Form, Status, Variant
from mediadesk.publishing import services
from mediadesk.publishing.models import PublishJob
from mediadesk.review import services as review
from mediadesk.review.models import StepState
from tests.conftest import World
from tests.fakes.platforms import Platforms, platforms
from tests.review.conftest import account

__all__ = ["platforms"]

NAMES = {"wechat_mp": "锦程曲江府公众号", "weibo": "锦程曲江府微博", "douyin": "锦程曲江府",
         "xiaohongshu": "锦程曲江府小红书"}  # fmt: skip
SAFE = "https://jincheng.example.com/qujiang"


@pytest.fixture(autouse=True)
def publishing_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLISHING_BACKOFF_SECONDS = 0
    settings.PUBLISHING_RATE_PER_MINUTE = 600


def run_worker() -> None:
    """The real worker until no task is due (see tests/notifications/conftest.py)."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--batch", "--interval", "0")


def pass_time(seconds: float) -> None:
    """Pretend time went by: due times, leases and checks move back."""
    delta = dt.timedelta(seconds=seconds)
    for name in ("next_try_at", "lease_until", "scheduled_at", "submit_started_at"):
        PublishJob.objects.filter(**{f"{name}__isnull": False}).update(**{name: F(name) - delta})


def _asset(world: World, kind: str, content: bytes, name: str) -> Asset:
    asset = Asset(organisation=world.org, company=world.xian, kind=kind, title=name, size=len(content),
                  content_hash=hashlib.sha256(content).hexdigest(), uploaded_by=world.admin,
                  licence_type=Asset.Licence.OWN)  # fmt: skip
    asset.file.save(name, ContentFile(content), save=False)
    asset.save()
    return asset


@dataclass
class Desk:
    world: World
    fakes: Platforms

    def connect(self, code: str) -> Any:
        acc = account(self.world, code, NAMES[code])
        if code == "wechat_mp":
            appid, secret = self.fakes.wechat.add_app()
            values = {"app_id": appid, "app_secret": secret}
        elif code == "weibo":
            uid, token = self.fakes.weibo.add_user()
            values = {"access_token": token, "open_id": uid}
        else:
            open_id, token, refresh = self.fakes.douyin.add_user()
            values = {"access_token": token, "refresh_token": refresh, "open_id": open_id,
                      "expires_at": (timezone.now() + dt.timedelta(days=10)).isoformat()}  # fmt: skip
        services.connect_account(acc, by=self.world.admin, values=values)
        return acc

    def approved(
        self, *codes: str, title: str = "曲江府园林开放", body: str = ""
    ) -> dict[str, Variant]:
        out = self.submitted(*codes, title=title, body=body)
        w = self.world
        run = next(iter(out.values())).item.review_runs.latest("pk")
        for order, who in ((1, w.planner), (2, w.manager), (3, w.legal)):
            review.approve_step(StepState.objects.get(run=run, order=order), by=who)
        for v in out.values():
            v.refresh_from_db()
            assert v.status == Status.APPROVED
        return out

    def submitted(
        self, *codes: str, title: str = "曲江府园林开放", body: str = ""
    ) -> dict[str, Variant]:
        """An item with one variant per platform, submitted for review (not approved yet)."""
        w = self.world
        item = ContentItem.objects.create(organisation=w.org, company=w.xian, project=w.qujiang,
                                          title=title, owner=w.operator, form=Form.ARTICLE,
                                          created_by=w.operator)  # fmt: skip
        cover = _asset(w, "image", b"\xff\xd8cover-" + title.encode(), f"cover-{item.pk}.jpg")
        video = _asset(w, "video", b"\x00\x00video-" + title.encode() * 50, f"v-{item.pk}.mp4")
        item.assets.add(video)
        out = {}
        for n, code in enumerate(codes):
            acc = account(w, code, NAMES[code])
            text = body or f"锦程·曲江府实景示范区开放，欢迎周末到访品鉴园林景观（{code}）。{SAFE}"
            out[code] = Variant.objects.create(
                item=item, organisation=w.org, company=w.xian, project=w.qujiang, owner=w.operator,
                account=acc, platform=acc.platform, title=title, body=text, digest="园林开放" * (n + 1),
                link_url=SAFE, cover=cover if code == "wechat_mp" else None, status=Status.DRAFT,
            )  # fmt: skip
        review.submit_item(item, by=w.operator)
        for v in out.values():
            v.refresh_from_db()
        return out


@pytest.fixture
def desk(world: World, platforms: Platforms) -> Desk:
    return Desk(world, platforms)
