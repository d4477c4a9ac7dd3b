"""Template 1 内容发布计划表: exact headers, export → import changes nothing, bad rows write nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mediadesk.content import exports, imports, rules
from mediadesk.content.models import ContentItem, Variant
from mediadesk.core.excel import read_table
from mediadesk.core.models import AuditEntry
from tests.content.conftest import Plan, aware

HEADERS = ["序号", "发布日期", "发布平台", "内容主题", "内容形式", "目标数据(曝光/互动/转化)", "负责人",
           "审核人", "状态(待发布/已发布/已撤回)", "备注"]  # fmt: skip


def _week(plan: Plan) -> None:
    monday = rules.week_start(timezone.localdate())
    a = plan.item("美好西安｜城墙", target_exposure=500_000, target_interactions=10_000,
                  target_conversions=200, notes="周二晚高峰")  # fmt: skip
    plan.variant(a, "douyin", planned_at=aware(monday, 18))
    plan.variant(a, "xiaohongshu", planned_at=aware(monday, 21))
    b = plan.item("样板间开放", form="article")
    published = plan.variant(b, "wechat_mp", planned_at=aware(monday, 20))
    Variant.objects.filter(pk=published.pk).update(
        status="published", published_at=aware(monday, 20)
    )


def _state() -> list[tuple]:
    items = list(ContentItem.objects.order_by("pk").values_list(
        "pk", "title", "form", "target_exposure", "target_interactions", "target_conversions",
        "owner_id", "notes", "edit_version", "updated_at"))  # fmt: skip
    variants = list(
        Variant.objects.order_by("pk").values_list(
            "pk", "item_id", "account_id", "planned_at", "status", "updated_at"
        )
    )
    return items + variants


def _export(client: Any) -> bytes:
    monday = rules.week_start(timezone.localdate())
    end = monday + dt.timedelta(days=6)
    response = client.get(
        reverse("content:plan_export"), {"start": monday.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200
    return response.content


def test_export_has_exactly_the_template_columns(plan: Plan, login: Any) -> None:
    _week(plan)
    content = _export(login(plan.world.planner))
    ws = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == HEADERS
    by_platform = {r[2]: r for r in rows[1:]}
    assert (
        by_platform["抖音"][5] == "曝光50万/互动1万/转化200" and by_platform["抖音"][8] == "待发布"
    )
    assert by_platform["微信公众号"][8] == "已发布" and by_platform["微信公众号"][4] == "图文"
    assert by_platform["抖音"][6] == "planner" and by_platform["抖音"][9] == "周二晚高峰"


def test_export_then_import_changes_nothing(plan: Plan, login: Any) -> None:
    _week(plan)
    client = login(plan.world.planner)
    content = _export(client)
    before = _state()
    upload = SimpleUploadedFile("计划表.xlsx", content)
    assert client.post(reverse("content:plan_import"), {"file": upload}).status_code == 302
    preview = client.get(reverse("content:plan_import_preview")).content.decode()
    assert "全部通过校验" in preview and "无变化" in preview and "新建" not in preview
    response = client.post(reverse("content:plan_import_confirm"))
    assert response.status_code == 302
    assert _state() == before
    assert AuditEntry.objects.filter(action="content.import").count() == 1


def test_import_adds_new_rows_as_drafts_on_the_level1_account_and_updates_changed_ones(
    plan: Plan,
) -> None:
    _week(plan)
    day = rules.week_start(timezone.localdate()).isoformat()
    csv = ("\ufeff" + ",".join(HEADERS) + "\n"
           f"1,{day},抖音,美好西安｜城墙,短视频,曝光60万/互动1万/转化200,planner,,待发布,周二晚高峰\n"
           f"2,{day},公众号,新选题,图文,互动500,planner,,待发布,\n"
           f"3,{day},小红书,新选题,图文,互动500,planner,,,\n")  # fmt: skip
    table = read_table(SimpleUploadedFile("plan.csv", csv.encode("gb18030")))
    outcome = imports.confirm_import(
        table, by=plan.world.planner, organisation=plan.world.org, filename="plan.csv"
    )
    assert (outcome.created_items, outcome.created_variants, outcome.updated_items) == (1, 2, 1)
    assert ContentItem.objects.get(title="美好西安｜城墙").target_exposure == 600_000
    new = ContentItem.objects.get(title="新选题")
    assert (new.status, new.company, new.target_interactions) == ("draft", plan.world.xian, 500)
    assert {v.account for v in new.variants.all()} == {
        plan.accounts["wechat_mp"],
        plan.accounts["xiaohongshu"],
    }
    [wechat] = new.variants.filter(platform__code="wechat_mp")
    assert wechat.planned_at is not None and timezone.localtime(wechat.planned_at).hour == 7


def test_a_bad_row_writes_nothing_and_names_row_and_column(plan: Plan, login: Any) -> None:
    _week(plan)
    before = _state()
    day = rules.week_start(timezone.localdate()).isoformat()
    csv = (",".join(HEADERS) + "\n"
           f"1,{day},抖音,好选题,短视频,,planner,,待发布,\n"
           f"2,2026-13-45,脸书,坏选题,直播,曝光很多,不存在的人,,已发布,\n")  # fmt: skip
    client = login(plan.world.planner)
    client.post(reverse("content:plan_import"), {"file": SimpleUploadedFile("p.csv", csv.encode())})
    preview = client.get(reverse("content:plan_import_preview")).content.decode()
    for message in ("第 3 行「发布日期」", "第 3 行「发布平台」：未知平台“脸书”", "第 3 行「负责人」",
                    "第 3 行「内容形式」", "第 3 行「目标数据(曝光/互动/转化)」"):  # fmt: skip
        assert message in preview, message
    response = client.post(reverse("content:plan_import_confirm"))
    assert response.status_code == 200 and "没有写入任何数据" in response.content.decode()
    assert _state() == before
    assert not ContentItem.objects.filter(title="好选题").exists()
    assert not AuditEntry.objects.filter(action="content.import").exists()


def test_status_cannot_be_changed_by_import_and_sales_cannot_import(plan: Plan, login: Any) -> None:
    _week(plan)
    day = rules.week_start(timezone.localdate()).isoformat()
    csv = (
        ",".join(HEADERS)
        + f"\n1,{day},抖音,美好西安｜城墙,短视频,曝光50万/互动1万/转化200,planner,,已发布,周二晚高峰\n"
    )
    preview = imports.validate(
        read_table(SimpleUploadedFile("p.csv", csv.encode())),
        user=plan.world.planner,
        organisation=plan.world.org,
    )
    assert [m for r in preview.error_rows for m in r.messages] == [
        "第 2 行「状态(待发布/已发布/已撤回)」：当前为“待发布”：发布状态在审核/发布流程中标记，不能通过导入修改"
    ]
    assert login(plan.world.sales_a).get(reverse("content:plan_import")).status_code == 403
    assert tuple(HEADERS) == exports.PLAN_HEADERS
