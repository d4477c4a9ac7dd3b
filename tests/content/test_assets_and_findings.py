"""Asset library (uploads, duplicates, scope) and item findings (compliance, limits, licences)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mediadesk.content import findings, services
from mediadesk.content.models import Asset
from tests.conftest import audit_actions
from tests.content.conftest import Plan, png


def _upload(client: Any, name: str, data: bytes, kind: str = "image", **extra: Any) -> Any:
    return client.post(reverse("content:asset_upload"), {
        "file": SimpleUploadedFile(name, data), "kind": kind, "licence_type": "own", **extra})  # fmt: skip


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_then_the_same_bytes_again_points_to_the_existing_asset(
    plan: Plan, login: Any
) -> None:
    client = login(plan.world.planner)
    response = _upload(client, "航拍.png", png(), title="曲江航拍", tags="航拍")
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert (asset.kind, asset.company, len(asset.content_hash)) == ("image", plan.world.xian, 64)
    assert audit_actions("asset", asset.pk) == ["asset.create"]
    again = _upload(client, "改个名字.png", png(), title="另一个名字")
    page = again.content.decode()
    assert again.status_code == 200 and 'data-testid="duplicate"' in page and "曲江航拍" in page
    assert Asset.objects.count() == 1 and len(_stored_files()) == 1
    assert client.get(reverse("content:asset_file", args=[asset.pk])).status_code == 200
    assert (
        login(plan.world.sales_a).get(reverse("content:asset_file", args=[asset.pk])).status_code
        == 404
    )


def test_bad_uploads_are_refused_with_a_clear_reason_and_write_nothing(
    plan: Plan, login: Any, settings: Any
) -> None:
    client = login(plan.world.planner)
    fake = _upload(client, "photo.png", b"<html>not an image</html>")
    assert "不是有效的图片" in fake.content.decode()
    renamed = _upload(client, "song.mp3", b"MZ\x90\x00 this is an exe", kind="music")
    assert "文件内容与扩展名 .mp3 不符" in renamed.content.decode()
    wrong_ext = _upload(client, "font.exe", b"\x00\x01\x00\x00", kind="font")
    assert "字体只支持" in wrong_ext.content.decode()
    settings.UPLOAD_MAX_BYTES = 50
    big = _upload(client, "big.png", png(size=(64, 64)))
    assert "文件过大" in big.content.decode()
    assert Asset.objects.count() == 0 and _stored_files() == []


def test_asset_list_filters_licence_state(plan: Plan, login: Any) -> None:
    today = timezone.localdate()
    for n, (licence, expires) in enumerate(
        [("own", None), ("purchased", today - dt.timedelta(days=1)), ("none", None)]
    ):
        services.upload_asset(by=plan.world.planner, organisation=plan.world.org,
                              upload=SimpleUploadedFile(f"{n}.png", png((n, 0, 0))),
                              values={"title": f"素材{n}", "kind": "image", "licence_type": licence,
                                      "licence_expires_on": expires, "company": plan.world.xian})  # fmt: skip
    client = login(plan.world.planner)
    expired = client.get(reverse("content:assets"), {"licence": "expired"}).content.decode()
    assert "素材1" in expired and "素材0" not in expired and "素材2" not in expired
    assert "素材2" in client.get(reverse("content:assets"), {"licence": "none"}).content.decode()
    assert (
        client.get(reverse("content:assets"), {"kind": "video"})
        .content.decode()
        .count('data-testid="asset"')
        == 0
    )


def test_item_findings_combine_compliance_platform_limits_and_licences(plan: Plan) -> None:
    today = timezone.localdate()

    def asset(title: str, licence: str, expires: dt.date | None, shade: int) -> Asset:
        return services.upload_asset(by=plan.world.planner, organisation=plan.world.org,
                                     upload=SimpleUploadedFile("a.png", png((shade, 1, 1))),
                                     values={"title": title, "kind": "image", "licence_type": licence,
                                             "licence_expires_on": expires, "company": plan.world.xian})  # fmt: skip

    music = asset("背景音乐截图", "none", None, 1)
    cover = asset("大雁塔夜景", "purchased", today - dt.timedelta(days=3), 2)
    fine = asset("自有航拍", "own", None, 3)
    item = plan.item("曲江府", project=plan.world.qujiang, assets=[music, fine])
    variant = plan.variant(
        item, "wechat_mp", title="全网最低价，首付两成", digest="要" * 130, cover=cover
    )
    found = findings.item_findings(item)
    rules_hit = {(f["rule"], f["field"], f["variant"]) for f in found}
    assert ("limit.digest", "digest", variant.pk) in rules_hit
    compliance = [f for f in found if f["field"] == "title" and f["severity"] == "block"]
    assert compliance and all(variant.pk == f["variant"] for f in compliance)
    assert all(f["term"] != "首付" for f in found)
    for f in compliance:
        assert variant.title[f["start"] : f["end"]] == f["term"] or f["term"] in variant.title
    licences = {
        (f["message"], f["variant"], f["field"]) for f in found if f["rule"] == "asset.licence"
    }
    assert licences == {
        ("素材未取得授权：背景音乐截图", None, "assets"),
        (
            f"素材授权已过期（到期 {cover.licence_expires_on:%Y-%m-%d}）：大雁塔夜景",
            variant.pk,
            "cover",
        ),
    }
    assert all(f["severity"] == "block" for f in found if f["rule"] == "asset.licence")
    assert findings.industry_of(item) == "real_estate"


def test_used_assets_cannot_be_deleted(plan: Plan) -> None:
    a = services.upload_asset(by=plan.world.planner, organisation=plan.world.org,
                              upload=SimpleUploadedFile("a.png", png()),
                              values={"title": "封面", "kind": "image", "licence_type": "own", "company": plan.world.xian})  # fmt: skip
    plan.item(assets=[a])
    with pytest.raises(ValidationError, match="正被内容使用"):
        services.delete_asset(a, by=plan.world.planner)
    assert Asset.objects.filter(pk=a.pk).exists()


def test_demo_loads_once(db: Any) -> None:
    from mediadesk.content import demo
    from mediadesk.content.models import ContentItem, MarketingNode, Series, Variant
    from mediadesk.orgs.demo import load as load_org

    data = load_org()
    org = data["organisation"]
    projects = {p.name: p for p in org.projects.all()}
    company = org.companies.get()
    demo.load(org=org, company=company, projects=projects, users=data["users"])
    counts = (
        ContentItem.objects.count(),
        Variant.objects.count(),
        Asset.objects.count(),
        MarketingNode.objects.count(),
    )
    demo.load(org=org, company=company, projects=projects, users=data["users"])
    assert counts == (
        ContentItem.objects.count(),
        Variant.objects.count(),
        Asset.objects.count(),
        MarketingNode.objects.count(),
    )
    assert Series.objects.get(name="美好西安").weekly_quota == 2
    assert (
        Variant.objects.filter(status="published", published_at__isnull=False)
        .exclude(published_url="")
        .exists()
    )
    assert ContentItem.objects.filter(is_reserve=True).exists()
    # the planned week uses three platforms (other apps' demos may add posts elsewhere)
    assert {"douyin", "wechat_mp", "xiaohongshu"} <= set(
        Variant.objects.values_list("platform__code", flat=True)
    )
