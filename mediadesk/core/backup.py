"""Backups: one .tar.gz holding the database content (Django's JSON fixture format, gzipped)
and the uploaded media files. Works on SQLite and PostgreSQL alike, so a backup also moves an
installation from one to the other."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "mediadesk-backup"
FORMAT_VERSION = 1
MANIFEST = "mediadesk-backup.json"
DATA = "data.json.gz"
MEDIA = "media"


class BackupError(Exception):
    """The file is not a MediaDesk backup, or cannot be restored into this installation."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, stored beside the data so it can be checked before restoring."""

    created_at: str
    database: str
    app_version: str
    counts: dict[str, int]
    migrations: dict[str, list[str]]
    media_files: int
    key_ids: list[str]

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> bytes:
        body = {"format": FORMAT, "version": FORMAT_VERSION, **self.__dict__}
        return json.dumps(body, ensure_ascii=False, indent=2).encode()


def app_labels() -> list[str]:
    """The MediaDesk apps whose tables a backup holds (later apps are included automatically)."""
    return [c.label for c in apps.get_app_configs() if c.name.startswith("mediadesk.")]


def dump_labels() -> list[str]:
    # Permissions and content types are rebuilt by migrate; users and groups refer to them
    # by natural key, so they need not (and must not) be restored with their old ids.
    return ["auth.Group", *app_labels()]


def _models() -> list[Any]:
    labels = set(app_labels())
    return [apps.get_model("auth", "Group")] + [
        m for m in apps.get_models() if m._meta.app_label in labels
    ]


def key_ids() -> list[str]:
    """Short fingerprints of the encryption keys, to warn when a restore cannot decrypt."""
    return [hashlib.sha256(k.strip().encode()).hexdigest()[:12] for k in settings.ENCRYPTION_KEYS]


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _app_version() -> str:
    try:
        return version("mediadesk")
    except PackageNotFoundError:
        return "unknown"


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _snapshot_isolation(connection: Any) -> None:
    # PostgreSQL's default isolation gives each query its own snapshot; a backup must see one.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def create_backup(output: Path) -> Manifest:
    """Write the database content and the media files into `output` (a new .tar.gz)."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        data = Path(tmp) / DATA
        connection = connections[DEFAULT_DB_ALIAS]
        outermost = not connection.in_atomic_block  # only a new transaction can be set up
        with transaction.atomic():
            if outermost:
                _snapshot_isolation(connection)
            counts = {m._meta.label: m._base_manager.count() for m in _models()}
            call_command(
                "dumpdata", *dump_labels(), natural_foreign=True, use_base_manager=True,
                output=str(data), verbosity=0,
            )  # fmt: skip
            migrations = _applied_migrations()
        files = _media_files(media_root)
        manifest = Manifest(
            created_at=timezone.localtime().isoformat(timespec="seconds"),
            database=connection.vendor,
            app_version=_app_version(),
            counts=counts,
            migrations=migrations,
            media_files=len(files),
            key_ids=key_ids(),
        )
        partial = Path(tmp) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, manifest.as_json())
            tar.add(data, arcname=DATA)
            for path in files:
                tar.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
        os.chmod(partial, 0o600)
        partial.replace(output)
    return manifest


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file; BackupError if the file is not a MediaDesk backup."""
    not_backup = f"{path} 不是 MediaDesk 备份文件（应为 mediadesk backup 生成的 .tar.gz）"
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}")
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            body = json.loads(member.read()) if member else None
            names = set(tar.getnames())
    except (tarfile.TarError, KeyError, OSError, EOFError, ValueError):
        raise BackupError(not_backup) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT or DATA not in names:
        raise BackupError(not_backup)
    if body.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {body.get('version')} 不受支持（此版本可恢复 {FORMAT_VERSION}）"
        )
    fields = Manifest.__dataclass_fields__
    try:
        return Manifest(**{k: body[k] for k in fields})
    except (KeyError, TypeError):
        raise BackupError(not_backup) from None


def check_compatible(manifest: Manifest) -> list[str]:
    """Refuse a backup made by a newer MediaDesk; return warnings for what may not work."""
    current = _applied_migrations()
    for app, names in manifest.migrations.items():
        missing = sorted(set(names) - set(current.get(app, [])))
        if missing:
            raise BackupError(
                f"备份来自更新的 MediaDesk 版本（本库缺少迁移 {app}.{missing[0]}）："
                "请先升级并运行 mediadesk migrate 后再恢复"
            )
    warnings = []
    if manifest.key_ids and not set(manifest.key_ids) & set(key_ids()):
        warnings.append(
            "当前的 MEDIADESK_ENCRYPTION_KEY 与备份时不同：恢复后已保存的账号密码将无法解密，"
            "请把备份时的密钥加入 MEDIADESK_ENCRYPTION_KEY（可用逗号分隔多个）"
        )
    return warnings


def _extract(path: Path, target: Path) -> None:
    with tarfile.open(path, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name == DATA or m.name.startswith(f"{MEDIA}/")]
        try:
            tar.extractall(target, members=members, filter="data")
        except tarfile.FilterError as exc:
            raise BackupError(f"备份文件中有不安全的路径：{exc}") from None


def _replace_media(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)


def _set_constraints(mode: str) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS ALL {mode}")


def _flush() -> None:
    # PostgreSQL refuses to TRUNCATE tables with foreign-key checks still pending from writes
    # earlier in an enclosing transaction: run those checks now, then defer them again so the
    # backup's rows can be loaded in any order.
    _set_constraints("IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    _set_constraints("DEFERRED")


def restore_backup(path: Path) -> Manifest:
    """Replace the whole database content and the media files with those of a backup.

    The database part is one transaction: if loading fails, nothing has changed.
    """
    manifest = read_manifest(path)
    check_compatible(manifest)
    with tempfile.TemporaryDirectory(prefix="mediadesk-restore-") as tmp:
        _extract(path, Path(tmp))
        try:
            with transaction.atomic():
                _flush()
                call_command("loaddata", str(Path(tmp) / DATA), verbosity=0)
        except Exception as exc:  # whatever failed, the transaction rolled it back
            raise BackupError(f"恢复失败，数据库未作任何改动：{exc}") from exc
        _replace_media(Path(tmp) / MEDIA, Path(settings.MEDIA_ROOT))
    return manifest
