"""`mediadesk import-metrics`: the same validation and report; exit 1 when rows were rejected."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from mediadesk.analytics.models import ImportBatch, MetricSnapshot
from tests.analytics.conftest import Posts, wechat_export, wechat_row
from tests.conftest import World, audit_actions


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import-metrics", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def export(tmp_path: Path, posts: Posts) -> Path:
    path = tmp_path / "已通知内容.csv"
    path.write_bytes(wechat_export(posts))
    return path


def test_the_command_is_found_under_its_hyphenated_name() -> None:
    assert get_commands()["import-metrics"] == "mediadesk.analytics"


def test_it_imports_a_wechat_export(world: World, posts: Posts, export: Path) -> None:
    code, out, err = run(str(export), "--platform", "wechat_mp", "--account", posts.wechat.name,
                         "--user", "operator", "--as-of", "2024-05-08 09:00")  # fmt: skip
    assert code == 0, out
    assert "预设：公众号 已通知内容 导出；共 2 行，可导入 2 行，错误 0 行" in out
    assert "新增快照 2" in out and "100% 2/2 行" in err
    batch = ImportBatch.objects.get()
    assert MetricSnapshot.objects.count() == 2
    assert audit_actions("metrics_import", batch.pk) == ["metrics.import"]
    code, out, _ = run(
        str(export), "--platform", "wechat_mp", "--account", posts.wechat.name, "--user", "operator"
    )
    assert code == 0 and "新增快照 0，更新 0，未变化 2" in out


def test_rejected_rows_exit_1_and_dry_run_writes_nothing(
    world: World, posts: Posts, tmp_path: Path
) -> None:
    bad = wechat_row("坏数据", "https://mp.weixin.qq.com/s?sn=bad", published="昨天")
    path = tmp_path / "bad.csv"
    path.write_bytes(wechat_export(posts, bad))
    code, out, _ = run(str(path), "--platform", "wechat_mp", "--account", posts.wechat.name,
                       "--user", "operator", "--dry-run")  # fmt: skip
    assert code == 1
    assert "第 4 行「发表时间」：“昨天”不是有效的时间（如 2024-05-01 20:00）" in out
    assert "试运行：未写入" in out
    assert not MetricSnapshot.objects.exists() and not ImportBatch.objects.exists()

    code, out, _ = run(
        str(path), "--platform", "wechat_mp", "--account", posts.wechat.name, "--user", "operator"
    )
    assert code == 1 and MetricSnapshot.objects.count() == 2  # the valid rows


def test_bad_arguments_are_command_errors(world: World, posts: Posts, export: Path) -> None:
    with pytest.raises(CommandError, match="未知的平台代码"):
        run(str(export), "--platform", "myspace", "--user", "operator")
    with pytest.raises(CommandError, match="未知的预设"):
        run(str(export), "--platform", "wechat_mp", "--preset", "nope", "--user", "operator")
    with pytest.raises(CommandError, match="没有导入数据的权限"):
        run(str(export), "--platform", "wechat_mp", "--user", "sales_a")
    with pytest.raises(CommandError, match="没有该账号的导入权限"):
        run(
            str(export),
            "--platform",
            "douyin",
            "--account",
            posts.chengdu.name,
            "--user",
            "operator",
        )
    assert not MetricSnapshot.objects.exists()


def test_a_named_preset_is_used(world: World, posts: Posts, export: Path, capsys: Any) -> None:
    code, out, _ = run(str(export), "--platform", "wechat_mp", "--preset", "wechat_notified",
                       "--account", posts.wechat.name, "--user", "operator")  # fmt: skip
    assert code == 0 and "预设：公众号 已通知内容 导出" in out
