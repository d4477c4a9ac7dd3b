"""Account import: template, row-by-row validation, preview, all-or-nothing confirm."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from mediadesk.core.excel import Table
from mediadesk.core.imports import stash
from mediadesk.core.models import AuditEntry
from mediadesk.matrix import imports
from mediadesk.matrix.models import Account
from tests.conftest import World
from tests.matrix.conftest import Matrix

pytestmark = pytest.mark.django_db

HEADERS = [h for h, _ in imports.COLUMNS]


def xlsx(rows: list[dict[str, Any]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("账号.xlsx", buf.getvalue())


def row(name: str, **cells: Any) -> dict[str, Any]:
    return {"平台": "抖音", "账号名称": name, "层级": 3, **cells}


CLEAN = [
    row("锦程曲江府-小何", 上级账号="锦程曲江府", 项目="锦程·曲江府", 负责人="sales_a",
        认证状态="个人认证", 粉丝数="1.2万", 开通日期="2024-03-01", 绑定手机="13800001111"),
    row("锦程云境", 层级="二级", 上级账号="锦程置业", 城市公司="西安公司", 项目="锦程·高新云境",
        平台账号ID="jc_yunjing", 状态="暂停"),
    row("锦程云境-阿杰", 上级账号="锦程云境", 项目="锦程·高新云境", 负责人="operator"),
    row("锦程西安", 平台="微信公众号", 层级=2, 上级账号="锦程置业（抖音）", 城市公司="西安公司",
        账号类型="订阅号", 简介="锦程西安官方订阅号，关注获取楼盘资讯"),
]  # fmt: skip


def upload(client: Any, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("matrix:import"), {"file": file}, follow=True)


def test_the_template_has_the_chinese_columns(world: World, login: Any) -> None:
    response = login(world.manager).get(reverse("matrix:import_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert wb.sheetnames == ["账号", "填写说明"]


@pytest.mark.parametrize(
    "name", ["matrix:import", "matrix:import_template", "matrix:import_preview"]
)
@pytest.mark.parametrize("persona", ["sales_a", "planner"])
def test_sales_and_viewers_get_403_on_import(
    world: World, login: Any, name: str, persona: str
) -> None:
    assert login(world.users[persona]).get(reverse(name)).status_code == 403


def test_sales_cannot_confirm_an_import(world: World, login: Any) -> None:
    before = Account.objects.count()
    assert login(world.sales_a).post(reverse("matrix:import_confirm")).status_code == 403
    assert Account.objects.count() == before
    assert not AuditEntry.objects.filter(action__in=["account.create", "account.import"]).exists()


def test_a_clean_file_previews_then_imports_every_row_with_audit(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.manager)
    preview = upload(client, xlsx(CLEAN))
    assert preview.status_code == 200
    assert preview.context["preview"].ok, [r.messages for r in preview.context["preview"].rows]
    assert 'data-testid="confirm"' in preview.content.decode()
    assert not Account.objects.filter(name="锦程云境").exists()  # nothing before confirm

    response = client.post(reverse("matrix:import_confirm"), follow=True)
    assert "已导入 4 个账号" in response.content.decode()
    yunjing = Account.objects.get(name="锦程云境")
    ajie = Account.objects.get(name="锦程云境-阿杰")
    xiaohe = Account.objects.get(name="锦程曲江府-小何")
    xian = Account.objects.get(name="锦程西安")
    assert ajie.parent == yunjing and yunjing.parent == matrix.brand and xian.parent == matrix.brand
    assert (yunjing.level, yunjing.status, yunjing.company, yunjing.project) == (
        2, "paused", world.xian, world.yunjing,
    )  # fmt: skip
    assert (xiaohe.followers, str(xiaohe.opened_on), xiaohe.verification) == (
        12000,
        "2024-03-01",
        "personal",
    )
    assert (xiaohe.custodian, xiaohe.bound_phone) == (world.sales_a, "13800001111")
    assert (xian.platform.code, xian.subtype) == ("wechat_mp", "订阅号")
    for account in (yunjing, ajie, xiaohe, xian):
        entry = AuditEntry.objects.get(action="account.create", target_id=str(account.pk))
        assert entry.actor == world.manager
    summary = AuditEntry.objects.get(action="account.import")
    assert summary.changes == {"file": [None, "账号.xlsx"], "rows": [None, 4]}
    # the stashed upload is gone: confirming again does nothing
    again = client.post(reverse("matrix:import_confirm"), follow=True)
    assert "请重新上传" in again.content.decode()
    assert Account.objects.filter(name="锦程云境").count() == 1


def test_one_bad_row_writes_nothing_and_names_the_row_and_column(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.manager)
    rows = [*CLEAN[:2], row("锦程云境-小王", 上级账号="锦程云境", 负责人="nobody"), CLEAN[3]]
    preview = upload(client, xlsx(rows)).context["preview"]
    assert not preview.ok
    [bad] = preview.error_rows
    assert bad.number == 4
    assert bad.messages == ["第 4 行「负责人」：找不到在职用户“nobody”（填写用户名或姓名）"]
    before = Account.objects.count()
    response = client.post(reverse("matrix:import_confirm"))
    assert response.status_code == 200
    assert "第 4 行「负责人」" in response.content.decode()
    assert Account.objects.count() == before
    assert not AuditEntry.objects.filter(action="account.import").exists()


def test_confirm_re_validates_and_writes_nothing_if_a_row_went_bad(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.manager)
    assert upload(client, xlsx(CLEAN)).context["preview"].ok
    # between preview and confirm someone registers the same platform account id
    Account.objects.filter(pk=matrix.tianfu.pk).update(platform_account_id="jc_yunjing")
    response = client.post(reverse("matrix:import_confirm"))
    assert response.status_code == 200
    assert "第 3 行「平台账号ID」" in response.content.decode()
    assert not Account.objects.filter(name__in=[r["账号名称"] for r in CLEAN]).exists()


def test_a_service_error_at_confirm_rolls_back_the_earlier_rows(
    world: World, matrix: Matrix, monkeypatch: Any
) -> None:
    table = Table(HEADERS, [{h: str(v) for h, v in r.items()} for r in CLEAN])
    calls = []
    original = imports.services.create_account

    def flaky(**kwargs: Any) -> Account:
        calls.append(kwargs["values"]["name"])
        if len(calls) == 3:
            from django.core.exceptions import ValidationError

            raise ValidationError({"bound_phone": "绑定手机应为 11 位大陆手机号"})
        return original(**kwargs)

    monkeypatch.setattr(imports.services, "create_account", flaky)
    with pytest.raises(imports.ImportRejected) as exc:
        imports.confirm_import(table, by=world.manager, organisation=world.org)
    assert exc.value.preview.error_rows[0].messages == [
        "第 4 行「绑定手机」：绑定手机应为 11 位大陆手机号"
    ]
    assert not Account.objects.filter(name__in=calls).exists()


@pytest.mark.parametrize(
    "cells,expected",
    [
        ({"平台": "抖音号"}, "「平台」：未知平台“抖音号”"),
        ({"层级": "4"}, "「层级」：“4”不是有效层级"),
        ({"账号名称": ""}, "「账号名称」：必填"),
        ({"上级账号": "锦程置业"}, "「上级账号」：3级账号的上级必须是2级账号"),
        ({"上级账号": "不存在的号"}, "「上级账号」：找不到抖音账号“不存在的号”"),
        ({"认证状态": "蓝V"}, "「认证状态」：“蓝V”不是有效值"),
        ({"粉丝数": "很多"}, "「粉丝数」：“很多”不是有效的数字"),
        ({"开通日期": "去年"}, "「开通日期」：“去年”不是有效日期"),
        ({"绑定手机": "12345"}, "「绑定手机」：应为 11 位大陆手机号"),
        (
            {"项目": "锦程·天府", "城市公司": "西安公司"},
            "「项目」：项目“锦程·天府”不属于城市公司“西安公司”",
        ),
        ({"账号名称": "锦程曲江府"}, "「账号名称」：抖音上已有账号“锦程曲江府”"),
        ({"负责人": "outsider"}, "「负责人」：找不到在职用户“outsider”"),
    ],
)
def test_each_kind_of_bad_cell_is_named(
    world: World, matrix: Matrix, cells: dict[str, str], expected: str
) -> None:
    table = Table(HEADERS, [{**{h: "" for h in HEADERS}, **row("锦程新号"), **cells}])
    table.rows[0] = {k: str(v) for k, v in table.rows[0].items()}
    preview = imports.validate(table, user=world.manager, organisation=world.org)
    [message] = preview.rows[0].messages
    assert message.startswith("第 2 行" + expected), message


def test_a_row_outside_the_importers_scope_is_refused(world: World, matrix: Matrix) -> None:
    table = Table(HEADERS, [{"平台": "抖音", "账号名称": "锦程天府-小李", "层级": "3", "上级账号": "锦程天府",
                             "项目": "锦程·天府"}])  # fmt: skip
    preview = imports.validate(table, user=world.operator, organisation=world.org)
    assert any("没有在“锦程·天府”管理账号的权限" in m for m in preview.rows[0].messages)


def test_duplicates_within_the_file_and_missing_headers_are_reported(world: World) -> None:
    table = Table(
        ["平台", "账号名称", "粉丝"], [{"平台": "抖音", "账号名称": "锦程甲", "粉丝": "1"}] * 2
    )
    preview = imports.validate(table, user=world.manager, organisation=world.org)
    assert "缺少必需的列「层级」" in preview.problems
    assert any("无法识别的列：粉丝" in p for p in preview.problems)
    assert "第 3 行「账号名称」：与第 2 行重复" in preview.rows[1].messages


def test_a_gb18030_csv_is_read(world: World, login: Any, matrix: Matrix) -> None:
    text = "平台,账号名称,层级,上级账号,项目\n抖音,锦程曲江府-小冯,3,锦程曲江府,锦程·曲江府\n"
    file = SimpleUploadedFile("accounts.csv", text.encode("gb18030"))
    client = login(world.manager)
    preview = upload(client, file).context["preview"]
    assert preview.ok
    client.post(reverse("matrix:import_confirm"))
    assert Account.objects.get(name="锦程曲江府-小冯").parent == matrix.qujiang


def test_a_file_that_is_not_a_table_gets_a_clear_error(world: World, login: Any) -> None:
    response = login(world.manager).post(
        reverse("matrix:import"), {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["只支持 .xlsx 或 .csv 文件"]


def test_another_users_stash_cannot_be_confirmed(world: World, login: Any, matrix: Matrix) -> None:
    table = Table(HEADERS, [{h: str(v) for h, v in CLEAN[1].items()}])
    token = stash(table, user=world.admin, filename="a.xlsx")
    client = login(world.manager)
    session = client.session
    session["matrix_import"] = token
    session.save()
    response = client.post(reverse("matrix:import_confirm"), follow=True)
    assert "请重新上传" in response.content.decode()
    assert not Account.objects.filter(name="锦程云境").exists()
