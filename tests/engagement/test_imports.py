"""Imports: comment exports with presets (a bad row writes nothing), vendor mention exports
through the mapping screen, the reply library's Excel round trip."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from mediadesk.engagement import library
from mediadesk.engagement.models import Mention, Message, StandardReply, WatchTerm
from tests.engagement.conftest import Desk

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


WEIBO = "评论ID,评论内容,评论时间,评论用户,微博链接\n" \
        "c1,多少钱一平？,2026-03-03 10:00,小王,https://weibo.com/1/abc\n" \
        "c2,环境很好，交通方便,2026-03-03 10:05,小李,https://weibo.com/1/abc\n"  # fmt: skip


def test_weibo_export_preview_then_confirm(desk: Desk, login: Any) -> None:
    c = login(desk.service)
    c.post(reverse("engagement:import"), {"preset": "weibo", "file": csv_file(WEIBO)})
    page = c.get(reverse("engagement:import")).content.decode()
    assert "共 2 行，检查通过" in page and not Message.objects.exists()
    c.post(reverse("engagement:import"), {"confirm": "1"})
    assert Message.objects.count() == 2
    m = Message.objects.get(external_id="c1")
    assert m.platform.code == "weibo" and m.variant == desk.post and m.author_name == "小王"
    c.post(reverse("engagement:import"), {"preset": "weibo", "file": csv_file(WEIBO)})
    c.post(reverse("engagement:import"), {"confirm": "1"})
    assert Message.objects.count() == 2  # the same file again adds nothing


def test_a_bad_row_is_named_and_nothing_is_written(desk: Desk, login: Any) -> None:
    bad = WEIBO + "c3,,2026-03-03 10:09,小赵,\nc4,好,昨天,小钱,\n"
    c = login(desk.service)
    c.post(reverse("engagement:import"), {"preset": "weibo", "file": csv_file(bad)})
    page = c.get(reverse("engagement:import")).content.decode()
    assert "第 4 行" in page and "内容为空" in page and "第 5 行" in page and "时间无法识别" in page
    c.post(reverse("engagement:import"), {"confirm": "1"})
    assert not Message.objects.exists()


VENDOR = "媒体,原文链接,博主,粉丝,时间,正文\n" \
         "微博,https://weibo.com/v/1,大V甲,2000000,2026-03-03 09:00,曲江府业主维权\n" \
         "论坛,,网友,12,2026-03-03 09:10,曲江府 交房延期\n" \
         "论坛,,网友,12,2026-03-03 09:10,曲江府交房延期\n"  # fmt: skip


def test_vendor_export_with_mapping_and_dedup(desk: Desk, login: Any, world: Any) -> None:
    WatchTerm.objects.create(organisation=world.org, term="曲江府", category="project")
    c = login(world.manager)
    c.post(reverse("engagement:mentions_import"), {"file": csv_file(VENDOR)})
    page = c.get(reverse("engagement:mentions_import")).content.decode()
    assert "列对应" in page and "发布时间" in page
    mapping = {"map_source": "媒体", "map_url": "原文链接", "map_author": "博主", "map_author_followers": "粉丝", "map_published_at": "时间", "map_text": "正文"}  # fmt: skip
    c.post(reverse("engagement:mentions_import"), {**mapping, "confirm": "1"})
    assert Mention.objects.count() == 2  # the two forum rows differ only in spacing
    big_v = Mention.objects.get(author="大V甲")
    assert big_v.author_followers == 2_000_000 and big_v.incident is not None


def test_vendor_import_without_a_text_column_is_refused(desk: Desk, login: Any, world: Any) -> None:
    c = login(world.manager)
    c.post(reverse("engagement:mentions_import"), {"file": csv_file(VENDOR)})
    page = c.post(reverse("engagement:mentions_import"), {"map_published_at": "时间", "confirm": "1"}).content.decode()  # fmt: skip
    assert "请为「内容」选择列" in page and not Mention.objects.exists()


def test_library_excel_round_trip_and_all_or_nothing(desk: Desk, login: Any, world: Any) -> None:
    library.save(world.org, {"category": "感谢", "title": "感谢关注", "text": "感谢关注！", "keywords": "谢谢"}, by=world.manager)  # fmt: skip
    c = login(world.manager)
    xlsx = c.get(reverse("engagement:library_export"))
    wb = load_workbook(io.BytesIO(xlsx.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("分类", "标题", "话术") and rows[1][1] == "感谢关注"
    out = Workbook()
    ws = out.active
    ws.append(list(rows[0]))
    ws.append(["感谢", "感谢关注", "感谢关注，欢迎到访！", "谢谢", "", "", "", 0, None])
    ws.append(["投诉", "投诉致歉", "抱歉，我们马上处理", "投诉", "douyin", "", "", 0, None])
    ws.append(["投诉", "超长", "好" * 150, "", "douyin", "", "", 0, None])
    buf = io.BytesIO()
    out.save(buf)
    upload = SimpleUploadedFile("lib.xlsx", buf.getvalue())
    c.post(reverse("engagement:library_import"), {"file": upload})
    c.post(reverse("engagement:library_import"), {"confirm": "1"})
    assert StandardReply.objects.count() == 1  # the too-long row stopped the whole import
    assert StandardReply.objects.get().text == "感谢关注！"
