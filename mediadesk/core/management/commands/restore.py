"""`mediadesk restore FILE`: replace the database content and media files with a backup's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mediadesk.core import backup, context


class Command(BaseCommand):
    help = "从 mediadesk backup 生成的文件恢复（会清空当前数据）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="备份文件（.tar.gz）")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        try:
            manifest = backup.read_manifest(path)
            warnings = backup.check_compatible(manifest)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"备份时间 {manifest.created_at}，来自 {manifest.database} 数据库："
            f"{manifest.records} 条记录，{manifest.media_files} 个文件"
        )
        for warning in warnings:
            self.stderr.write(f"注意：{warning}")
        if not opts["yes"]:
            self._confirm()
        with context.acting_from("cli"):
            try:
                backup.restore_backup(path)
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"已从 {path} 恢复。所有用户需要重新登录。")

    def _confirm(self) -> None:
        if not sys.stdin.isatty():
            raise CommandError("恢复会清空当前全部数据：在非交互环境中请加 --yes 确认")
        answer = input("恢复会清空当前数据库与上传的文件，并替换为备份内容。输入 yes 继续：")
        if answer.strip().lower() != "yes":
            raise CommandError("已取消，数据未改动")
