"""Large files run in the real background worker; cancelling leaves nothing half-imported."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.analytics import imports
from mediadesk.analytics.models import ImportBatch, MetricSnapshot
from mediadesk.content.models import ContentItem
from tests.analytics.conftest import Posts, wechat_export
from tests.analytics.test_import import map_as_preset, upload
from tests.conftest import World, audit_actions
from tests.notifications.conftest import run_worker


@pytest.fixture(autouse=True)
def small_sync_limit(monkeypatch: Any) -> None:
    """Every file counts as large here, so the worker path runs with tiny files."""
    monkeypatch.setattr(imports, "SYNC_ROWS", 1)


def test_a_large_file_is_validated_and_imported_by_the_worker(
    world: World, posts: Posts, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        map_as_preset(client, batch)
    batch.refresh_from_db()
    assert batch.status == "validating"
    assert client.get(reverse("analytics:import_progress", args=[batch.pk])).status_code == 200

    run_worker()
    batch.refresh_from_db()
    assert batch.status == "validated" and not MetricSnapshot.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    run_worker()

    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.unplanned) == ("done", 2, 1)
    assert MetricSnapshot.objects.count() == 2
    finished = client.get(reverse("analytics:import_progress", args=[batch.pk]))
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"


def test_cancelling_a_queued_import_writes_nothing(
    world: World, posts: Posts, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        map_as_preset(client, batch)
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    client.post(reverse("analytics:import_cancel", args=[batch.pk]))
    run_worker()

    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert (
        not MetricSnapshot.objects.exists()
        and not ContentItem.objects.filter(is_unplanned=True).exists()
    )
    assert "metrics.cancel" in audit_actions("metrics_import", batch.pk)


def test_a_cancel_during_validation_stops_before_anything_is_written(
    world: World, posts: Posts, login: Any, monkeypatch: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    map_as_preset(client, batch)  # SYNC_ROWS only decides who runs it; run it here directly
    imports.preview(ImportBatch.objects.get())
    batch.refresh_from_db()
    imports.confirm(batch, by=world.operator, accepted_fuzzy={})
    real = imports._progress

    def cancel_midway(b: ImportBatch, start: int, span: int) -> Any:
        report = real(b, start, span)

        def wrapped(done: int) -> bool:
            imports.cancel(b, by=world.operator)  # the user clicks 取消 while it runs
            return report(done)

        return wrapped

    monkeypatch.setattr(imports, "_progress", cancel_midway)
    assert imports.run(batch) is None

    batch.refresh_from_db()
    assert (batch.status, batch.message) == ("cancelled", "已取消，未写入任何数据")
    assert (
        not MetricSnapshot.objects.exists()
        and not ContentItem.objects.filter(is_unplanned=True).exists()
    )


def test_an_import_being_written_cannot_be_cancelled(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    upload(client, posts, wechat_export(posts))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="writing")
    response = client.post(reverse("analytics:import_cancel", args=[batch.pk]), follow=True)
    assert "导入正在写入或已结束，无法取消" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "writing" and not batch.cancel_requested
