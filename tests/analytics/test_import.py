"""Metric import pages: the 公众号 export acceptance, idempotency, per-row errors, fuzzy
matches, unplanned posts, presets and permissions."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mediadesk.analytics.models import ImportBatch, ImportPreset, MetricSnapshot, PostMetrics
from mediadesk.content.models import ContentItem, Variant
from tests.analytics.conftest import WECHAT_HEADERS, Posts, csv_bytes, wechat_export, wechat_row
from tests.conftest import World, audit_actions

AS_OF = "2024-05-08T09:00"


def upload(client: Any, posts: Posts, data: bytes, *, name: str = "已通知内容.csv",
           as_of: str = AS_OF, account: Any = None) -> Any:  # fmt: skip
    account = account or posts.wechat
    return client.post(reverse("analytics:import"), {
        "platform": account.platform_id, "account": account.pk, "as_of": as_of,
        "file": SimpleUploadedFile(name, data, content_type="text/csv"),
    })  # fmt: skip


def map_as_preset(client: Any, batch: ImportBatch, **extra: str) -> Any:
    """Submit the mapping page as it is prefilled (the guessed preset)."""
    page = client.get(reverse("analytics:import_mapping", args=[batch.pk]))
    assert page.status_code == 200
    data = {f"map-{i}": current for i, _, current, _ in page.context["columns"]}
    return client.post(reverse("analytics:import_mapping", args=[batch.pk]), {**data, **extra})


def import_file(client: Any, posts: Posts, data: bytes, **kwargs: Any) -> ImportBatch:
    response = upload(client, posts, data, **kwargs)
    assert response.status_code == 302, response.context["form"].errors
    batch = ImportBatch.objects.latest("pk")
    map_as_preset(client, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


def test_a_wechat_export_in_gb18030_imports(world: World, posts: Posts, login: Any) -> None:
    client = login(world.operator)
    batch = import_file(client, posts, wechat_export(posts))

    assert batch.status == ImportBatch.Status.DONE
    assert batch.preset == "公众号 已通知内容 导出"
    assert (batch.created, batch.unplanned, batch.rejected) == (2, 1, 0)
    planned = MetricSnapshot.objects.get(variant=posts.wx_post)
    assert (planned.reads, planned.readers, planned.shares, planned.sharers) == (
        28_000,
        25_000,
        900,
        700,
    )
    assert (planned.delivered, planned.message_reads, planned.follower_gain) == (
        52_000,
        16_000,
        120,
    )
    assert str(planned.read_completion) == "0.452000"
    assert planned.likes is None  # not in the export: unknown, not 0
    assert planned.extra == {"首次分享次数": "500", "分享产生阅读次数": "2400"}
    assert planned.hours_after_publish == 6 * 24 + 13  # 05-01 20:00 → 05-08 09:00
    unplanned = Variant.objects.get(title="五一看房团回顾")
    assert unplanned.item.is_unplanned and unplanned.status == "published"
    assert unplanned.owner == world.operator  # the account's custodian
    assert unplanned.account == posts.wechat and unplanned.published_url.endswith("sn=zzz")
    assert PostMetrics.objects.get(variant=posts.wx_post).reads == 28_000
    assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]


def test_the_same_file_again_adds_nothing(world: World, posts: Posts, login: Any) -> None:
    client = login(world.operator)
    import_file(client, posts, wechat_export(posts))
    before = (MetricSnapshot.objects.count(), ContentItem.objects.count(), Variant.objects.count())

    again = import_file(client, posts, wechat_export(posts), as_of="2024-05-09T09:00")

    assert (again.created, again.updated, again.unplanned, again.unchanged) == (0, 0, 0, 2)
    after = (MetricSnapshot.objects.count(), ContentItem.objects.count(), Variant.objects.count())
    assert after == before


def test_newer_figures_of_the_same_post_add_a_snapshot(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    import_file(client, posts, wechat_export(posts))
    newer = csv_bytes(
        WECHAT_HEADERS, [wechat_row("曲江府五月开放日", posts.wx_post.published_url, reads=30_000)]
    )

    batch = import_file(client, posts, newer, as_of="2024-05-09T09:00")

    assert batch.created == 1
    assert MetricSnapshot.objects.filter(variant=posts.wx_post).count() == 2
    assert PostMetrics.objects.get(variant=posts.wx_post).reads == 30_000


def test_a_bad_row_is_named_and_nothing_is_written_until_confirmed(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    bad = wechat_row("坏数据", "https://mp.weixin.qq.com/s?sn=bad")
    bad[3] = "很多"  # 总阅读次数
    upload(client, posts, wechat_export(posts, bad))
    batch = ImportBatch.objects.get()
    map_as_preset(client, batch)

    page = client.get(reverse("analytics:import_batch", args=[batch.pk]))
    assert page.context["errors"] == [[4, "总阅读次数", "“很多”不是有效的数字"]]
    assert "第 4 行" in page.content.decode()
    assert MetricSnapshot.objects.count() == 0 and Variant.objects.count() == 3

    client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.rejected) == ("done", 2, 1)
    assert not Variant.objects.filter(title="坏数据").exists()


def test_a_title_match_is_fuzzy_and_imported_only_when_confirmed(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    rows = [wechat_row("曲江府·五月开放日！", "")]  # no URL: matched by account + title + day
    upload(client, posts, csv_bytes(WECHAT_HEADERS, rows))
    batch = ImportBatch.objects.get()
    map_as_preset(client, batch)
    batch.refresh_from_db()
    assert batch.report["fuzzy"][0][:2] == [2, posts.wx_post.pk]

    client.post(reverse("analytics:import_confirm", args=[batch.pk]),
                {"fuzzy": [f"2:{posts.wx_post.pk}"]})  # fmt: skip

    assert MetricSnapshot.objects.get().variant == posts.wx_post
    assert not ContentItem.objects.filter(is_unplanned=True).exists()


def test_an_unconfirmed_fuzzy_match_is_skipped(world: World, posts: Posts, login: Any) -> None:
    client = login(world.operator)
    upload(client, posts, csv_bytes(WECHAT_HEADERS, [wechat_row("曲江府五月开放日", "")]))
    batch = ImportBatch.objects.get()
    map_as_preset(client, batch)
    client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    assert MetricSnapshot.objects.count() == 0
    assert not ContentItem.objects.filter(is_unplanned=True).exists()


def test_a_mapping_can_be_saved_as_a_preset_and_offered_next_time(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    map_as_preset(client, batch, save_as="我的公众号导出")
    preset = ImportPreset.objects.get(name="我的公众号导出")
    assert preset.mapping["总阅读次数"] == "reads" and preset.platform == posts.wechat.platform

    upload(client, posts, wechat_export(posts))
    page = client.get(
        reverse("analytics:import_mapping", args=[ImportBatch.objects.latest("pk").pk])
    )
    assert "我的公众号导出" in [name for _, name, _ in page.context["offered"]]


def test_a_mapping_without_any_post_column_is_refused(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    response = client.post(reverse("analytics:import_mapping", args=[batch.pk]), {"map-2": "reads"})
    assert "至少要映射一列用于识别发布" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "uploaded"


def test_the_generic_template_downloads(world: World, login: Any) -> None:
    response = login(world.operator).get(reverse("analytics:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_unreadable_file_is_a_form_error(world: World, posts: Posts, login: Any) -> None:
    response = upload(login(world.operator), posts, b"\x00\x01", name="x.pdf")
    assert response.status_code == 200
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_account_out_of_scope_cannot_be_chosen(world: World, posts: Posts, login: Any) -> None:
    response = upload(login(world.operator), posts, wechat_export(posts), account=posts.chengdu)
    assert response.status_code == 200  # not among the choices
    assert not ImportBatch.objects.exists()


def test_import_pages_need_the_import_permission(
    world: World, posts: Posts, client: Any, login: Any
) -> None:
    url = reverse("analytics:import")
    assert client.get(url).status_code == 302  # anonymous → login
    assert login(world.sales_a).get(url).status_code == 403
    assert login(world.planner).get(url).status_code == 403  # analytics.view only
    assert login(world.operator).get(url).status_code == 200


def test_someone_elses_import_is_not_found(world: World, posts: Posts, login: Any) -> None:
    upload(login(world.operator), posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    other = login(world.manager)
    assert other.get(reverse("analytics:import_batch", args=[batch.pk])).status_code == 404
    assert other.post(reverse("analytics:import_cancel", args=[batch.pk])).status_code == 404


def test_the_import_pages_speak_english_to_an_english_user(
    world: World, posts: Posts, login: Any
) -> None:
    from tests.i18n.catalogue import ensure_compiled

    ensure_compiled()
    world.operator.language = "en"
    world.operator.save(update_fields=["language"])
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.latest("pk")
    mapping = client.get(reverse("analytics:import_mapping", args=[batch.pk])).content.decode()
    assert "Check column mapping" in mapping and "Validate and preview" in mapping
    assert "核对列映射" not in mapping and "（不导入）" not in mapping
    map_as_preset(client, batch)
    preview = client.get(reverse("analytics:import_batch", args=[batch.pk])).content.decode()
    assert "OK to import" in preview and "Confirm import" in preview and "确认导入" not in preview
    client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    done = client.get(reverse("analytics:import_batch", args=[batch.pk])).content.decode()
    assert "Import complete: 2 new snapshots" in done and "导入完成" not in done
