"""Excel/CSV lead import: preview names every bad row, confirm is all or nothing, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from mediadesk.core.models import AuditEntry
from mediadesk.leads.models import Customer, Source, Touch
from tests.conftest import World
from tests.leads.desk_fixtures import capture

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[Any]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["手机号", "姓名", "来源", "渠道", "留资时间", "备注"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("线索.xlsx", buf.getvalue())


def _upload(client: Any, world: World, upload: Any) -> Any:
    client.post("/leads/import/", {"project": world.qujiang.pk, "source": Source.EVENT,
                                   "file": upload})  # fmt: skip
    return client.get("/leads/import/preview/")


def test_a_bad_row_is_named_and_nothing_is_written(world: World, login: Any, seat_a: Any) -> None:
    client = login(world.channel)
    preview = _upload(client, world, _xlsx([
        ["13500000001", "甲", "直播", "", "2025-03-01 14:30", ""],
        ["1350000", "乙", "", "", "", ""],
        ["13500000001", "丙", "", "", "", ""],
        ["13500000003", "丁", "飞鸽", "不存在的渠道", "昨天", ""],
    ])).content.decode()  # fmt: skip
    for message in ("第 3 行「手机号」", "第 4 行「手机号」：与第 2 行重复", "第 5 行「来源」",
                    "第 5 行「渠道」", "第 5 行「留资时间」"):  # fmt: skip
        assert message in preview
    response = client.post("/leads/import/confirm/")
    assert "没有写入任何数据" in response.content.decode()
    assert not Customer.objects.exists() and not Touch.objects.exists()


def test_a_clean_sheet_imports_every_row_once(world: World, login: Any, seat_a: Any) -> None:
    capture(world, "13500000002", by=world.manager)
    client = login(world.channel)
    preview = _upload(client, world, _xlsx([
        ["135 0000 0001", "甲", "直播", "", "2025-03-01 14:30", "暖场"],
        ["13500000002", "乙", "", "", "", ""],
    ])).content.decode()  # fmt: skip
    assert "已有客户，新增线索" in preview and "确认导入 2 行" in preview
    assert client.post("/leads/import/confirm/").status_code == 302
    assert Customer.objects.count() == 2
    first = Touch.objects.get(customer__phone="13500000001")
    assert first.source == Source.LIVE and first.note == "暖场"
    assert first.captured_at.strftime("%Y-%m-%d") == "2025-03-01"
    assert Touch.objects.filter(customer__phone="13500000002").count() == 2
    assert Touch.objects.filter(customer__phone="13500000002").last().source == Source.EVENT
    entry = AuditEntry.objects.get(action="lead.import")
    assert entry.changes["rows"] == [None, 2] and entry.actor_label == "channel"


def test_gb18030_csv_is_read(world: World, login: Any, seat_a: Any) -> None:
    data = "手机号,姓名\n13500000009,王五\n".encode("gb18030")
    client = login(world.channel)
    _upload(client, world, SimpleUploadedFile("leads.csv", data))
    client.post("/leads/import/confirm/")
    assert Customer.objects.get().name == "王五"


def test_import_needs_the_permission(world: World, login: Any) -> None:
    assert login(world.sales_a).get("/leads/import/").status_code == 403
    assert login(world.sales_a).post("/leads/import/confirm/").status_code == 403
