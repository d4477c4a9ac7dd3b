"""Account daily and mini-program daily figures: the 公众号 用户分析 export and the MediaDesk
templates through upload → preview → confirm, POST /api/v1/metrics/account-daily, the CLI, and
发布时粉丝数 following the imported follower counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from mediadesk.analytics.models import AccountDaily, ImportBatch, MiniProgramDaily, PostMetrics
from tests.analytics.conftest import DY_ID, Posts, at, csv_bytes, ingest, make_account
from tests.conftest import World, audit_actions

USER_HEADERS = ["日期", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数"]
MINI_HEADERS = ["账号", "日期", "访问人数", "访问次数", "新用户数", "人均停留时长(秒)", "购买人数"]
API = "/api/v1/metrics/account-daily"


def user_export(*extra: list[str]) -> bytes:
    """A 公众号 用户分析 export (GB18030) of two days, plus extra rows."""
    rows = [["2024-04-29", "120", "20", "100", "50100"], ["2024-04-30", "80", "30", "50", "50150"]]
    return csv_bytes(USER_HEADERS, [*rows, *extra])


def upload(client: Any, account: Any, data: bytes, kind: str, name: str = "用户分析.csv") -> Any:
    return client.post(reverse("analytics:import"), {
        "kind": kind, "platform": account.platform_id, "account": account.pk,
        "as_of": "2024-05-08T09:00", "file": SimpleUploadedFile(name, data, content_type="text/csv"),
    })  # fmt: skip


def preview(client: Any, account: Any, data: bytes, kind: str = "account_daily") -> ImportBatch:
    response = upload(client, account, data, kind)
    assert response.status_code == 302, response.context["form"].errors
    batch = ImportBatch.objects.latest("pk")
    page = client.get(reverse("analytics:import_mapping", args=[batch.pk]))
    data = {f"map-{i}": current for i, _, current, _ in page.context["columns"]}
    client.post(reverse("analytics:import_mapping", args=[batch.pk]), data)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.message
    return batch


def confirm(client: Any, batch: ImportBatch) -> ImportBatch:
    client.post(reverse("analytics:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


def days(account: Any) -> list[tuple[Any, ...]]:
    return list(
        AccountDaily.objects.filter(account=account)
        .order_by("date")
        .values_list("date", "followers", "new_followers", "cancelled_followers")
    )


def test_a_wechat_user_analysis_export_imports_once(world: World, posts: Posts, login: Any) -> None:
    client = login(world.operator)
    batch = confirm(client, preview(client, posts.wechat, user_export()))

    assert (batch.status, batch.kind, batch.preset) == (
        "done",
        "account_daily",
        "公众号 用户分析 导出",
    )
    assert (batch.created, batch.updated, batch.rejected) == (2, 0, 0)
    assert days(posts.wechat) == [
        (dt.date(2024, 4, 29), 50_100, 120, 20),
        (dt.date(2024, 4, 30), 50_150, 80, 30),
    ]
    assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]

    again = confirm(client, preview(client, posts.wechat, user_export()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AccountDaily.objects.count() == 2

    corrected = csv_bytes(USER_HEADERS, [["2024-04-30", "81", "30", "51", "50151"]])
    third = confirm(client, preview(client, posts.wechat, corrected))
    assert (third.created, third.updated) == (0, 1)
    assert days(posts.wechat)[1] == (dt.date(2024, 4, 30), 50_151, 81, 30)


def test_a_bad_row_is_named_and_nothing_is_written_until_confirmed(
    world: World, posts: Posts, login: Any
) -> None:
    client = login(world.operator)
    data = user_export(["2024-05-01", "10", "5", "9", "50155"], ["5月2日?", "1", "1", "0", "1"],
                       ["2024-04-29", "1", "1", "0", "1"])  # fmt: skip
    batch = preview(client, posts.wechat, data)

    errors = {row: (column, reason) for row, column, reason in batch.report["errors"]}
    assert errors[4] == ("净增关注人数", "应等于 新关注 − 取消关注（10 − 5 = 5）")
    assert errors[5][0] == "日期" and "不是有效的时间" in errors[5][1]
    assert errors[6] == ("—", "与第 2 行重复（同一账号、同一日期）")
    assert (batch.rejected, batch.report["valid"]) == (3, 2)
    page = client.get(reverse("analytics:import_batch", args=[batch.pk]))
    assert "第 4 行" in page.content.decode() and "新的日期" in page.content.decode()
    assert not AccountDaily.objects.exists()

    batch = confirm(client, batch)
    assert (batch.created, batch.rejected) == (2, 3)
    assert AccountDaily.objects.count() == 2


def test_mini_program_daily_figures_import_with_the_template(
    world: World, posts: Posts, login: Any
) -> None:
    mini = make_account(world, "wechat_miniprogram", "曲江府小程序", world.qujiang, world.operator)
    data = csv_bytes(MINI_HEADERS, [["曲江府小程序", "2024-05-01", "1,200", "3400", "300", "35.5", "12"],
                                    ["曲江府小程序", "2024-05-02", "900", "2100", "", "", ""]])  # fmt: skip
    client = login(world.operator)
    batch = confirm(client, preview(client, mini, data, kind="mini_daily"))

    assert (batch.preset, batch.created) == ("MediaDesk 小程序日数据模板", 2)
    first, second = MiniProgramDaily.objects.filter(account=mini).order_by("date")
    assert (first.visit_uv, first.visit_pv, first.new_users, first.buyers) == (1200, 3400, 300, 12)
    assert str(first.stay_seconds_per_user) == "35.50"
    assert (second.visit_uv, second.new_users, second.buyers) == (900, None, None)  # unknown ≠ 0
    again = confirm(client, preview(client, mini, data, kind="mini_daily"))
    assert (again.created, again.unchanged) == (0, 2)


def test_daily_imports_need_the_permission_and_the_accounts_scope(
    world: World, posts: Posts, login: Any
) -> None:
    assert login(world.planner).post(reverse("analytics:import")).status_code == 403
    assert login(world.sales_a).post(reverse("analytics:import")).status_code == 403
    response = upload(login(world.operator_cd), posts.wechat, user_export(), "account_daily")
    assert response.status_code == 200  # a 西安 account is not among 成都's choices
    assert not ImportBatch.objects.exists()


def test_the_daily_templates_download(world: World, login: Any) -> None:
    client = login(world.operator)
    for kind in ("account_daily", "mini_daily"):
        response = client.get(reverse("analytics:import_template") + f"?kind={kind}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def api_body(**item: Any) -> dict[str, Any]:
    day = {"date": "2024-04-30", "followers": 50_150, "new_followers": 80,
           "cancelled_followers": 30, "reads_by_source": {"会话": 900, "朋友圈": 300}}  # fmt: skip
    return {"platform": "wechat_mp", "items": [{**day, **item}]}


def post(client: Any, data: Any) -> Any:
    return client.post(API, data, content_type="application/json")


def test_the_api_ingests_account_daily_figures_idempotently(
    world: World, posts: Posts, api: Any
) -> None:
    client = api(world.operator)
    response = post(client, api_body(account=posts.wechat.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    day = AccountDaily.objects.get()
    assert (day.followers, day.reads_by_source, day.source) == (
        50_150,
        {"会话": 900, "朋友圈": 300},
        "api",
    )
    assert day.net_gain == 50
    batch = ImportBatch.objects.get(kind="account_daily")
    assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]

    again = post(client, api_body(account=posts.wechat.pk))
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    more = post(
        client, api_body(account=posts.wechat.pk, followers=None, reads_by_source={"搜一搜": 5})
    )
    assert more.json()["updated"] == 1
    day.refresh_from_db()
    assert (day.followers, day.reads_by_source) == (
        50_150,
        {"会话": 900, "朋友圈": 300, "搜一搜": 5},
    )


def test_the_api_names_bad_items_and_writes_nothing(world: World, posts: Posts, api: Any) -> None:
    client = api(world.operator)
    body = api_body(account=posts.wechat.pk)
    body["items"].append({"account": posts.wechat.pk, "date": "2024-04-29", "new_followers": 5,
                          "cancelled_followers": 1, "net_gain": 3})  # fmt: skip
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "items.1.net_gain", "message": "应等于 新关注 − 取消关注（5 − 1 = 4）"}
    ]
    response = post(client, api_body(account=posts.wechat.pk, followers=-1))
    assert response.status_code == 422
    response = post(client, api_body(account=posts.chengdu.pk))  # not a 公众号 account
    assert response.status_code == 400
    assert not AccountDaily.objects.exists()


def test_only_importers_may_post_account_daily(
    world: World, posts: Posts, api: Any, client: Any
) -> None:
    body = api_body(account=posts.wechat.pk)
    assert post(client, body).status_code == 401
    assert post(api(world.sales_a), body).status_code == 403
    assert post(api(world.planner), body).status_code == 403
    assert post(api(world.operator_cd), body).status_code == 400  # 西安 account: out of scope
    assert post(api(world.outsider), body).status_code == 400
    assert not AccountDaily.objects.exists()


def test_followers_at_publish_follow_the_imported_daily_figures(
    world: World, posts: Posts, api: Any
) -> None:
    ingest(world.operator, "douyin", {"external_id": DY_ID, "taken_at": at(24), "likes": 10})
    assert PostMetrics.objects.get(variant=posts.dy_post).followers_at_publish == 50_000
    body = {"platform": "douyin", "account": posts.douyin.pk,
            "items": [{"date": "2024-04-30", "followers": 61_000}, {"date": "2024-05-02", "followers": 1}]}  # fmt: skip
    assert post(api(world.operator), body).status_code == 200
    assert PostMetrics.objects.get(variant=posts.dy_post).followers_at_publish == 61_000


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_cli_imports_account_daily_figures(
    world: World, posts: Posts, tmp_path: Any, capsys: Any, dry_run: bool
) -> None:
    path = tmp_path / "用户分析.csv"
    path.write_bytes(user_export())
    args = [str(path), "--platform", "wechat_mp", "--preset", "wechat_user_analysis",
            "--account", posts.wechat.name, "--user", world.operator.username]  # fmt: skip
    call_command("import-metrics", *args, *(["--dry-run"] if dry_run else []))
    out = capsys.readouterr().out
    assert "共 2 行，可导入 2 行" in out
    assert AccountDaily.objects.count() == (0 if dry_run else 2)
