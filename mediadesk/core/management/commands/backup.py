"""`mediadesk backup`: write the database content and media files into one .tar.gz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mediadesk.core import backup, context


def default_output() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"mediadesk-{stamp}.tar.gz"


class Command(BaseCommand):
    help = "备份数据库内容与上传的文件（SQLite 与 PostgreSQL 均可，可互相恢复）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", "-o", type=Path, help="备份文件路径（默认 var/backups/ 下按时间命名）"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        output: Path = opts["output"] or default_output()
        if output.exists():
            raise CommandError(f"文件 {output} 已存在，请换一个文件名")
        with context.acting_from("cli"):
            manifest = backup.create_backup(output)
        size = output.stat().st_size / 1024 / 1024
        self.stdout.write(
            f"已备份到 {output}（{manifest.records} 条记录，{manifest.media_files} 个文件，{size:.1f} MB）"
        )
        self.stdout.write("备份中的账号密码仍是加密的：恢复时需要相同的 MEDIADESK_ENCRYPTION_KEY。")
