"""`mediadesk backup` / `mediadesk restore`: a round trip brings data and media files back."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from mediadesk.core import backup, scopes
from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs import services
from mediadesk.orgs.models import Organisation, RoleGrant, User
from mediadesk.orgs.roles import Perm
from tests.conftest import PASSWORD, World

LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "accounts" / "avatars").mkdir(parents=True)
    (root / "accounts" / "avatars" / "锦程.png").write_bytes(LOGO)
    settings.MEDIA_ROOT = root
    return root


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rewrite(source: Path, target: Path, **replace: bytes) -> Path:
    """A copy of a backup with some members' content replaced."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = replace.get(member.name)
            if data is None:
                new.addfile(member, old.extractfile(member))
            else:
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))
    return target


def test_a_round_trip_brings_back_data_and_media(world: World, media: Path, tmp_path: Path) -> None:
    services.update_user(
        world.planner, by=world.admin, display_name="李策划", phone_number="13900000003", email=""
    )
    deleted = Account.objects.create(
        organisation=world.org, company=world.xian, platform=Platform.objects.first(), name="已删账号",
        level=2, deleted_at=timezone.now(),
    )  # fmt: skip
    file = tmp_path / "mediadesk.tar.gz"
    output, _ = run("backup", "--output", str(file))
    assert str(file) in output
    audit_at_backup = list(AuditEntry.objects.order_by("id").values_list("id", "action", "changes"))
    users_at_backup = sorted(User.objects.values_list("id", "username", "display_name"))

    services.update_user(
        world.planner, by=world.admin, display_name="改过的名字", phone_number="", email=""
    )
    services.create_user(
        by=world.admin, organisation=world.org, username="newcomer", password=PASSWORD
    )
    RoleGrant.objects.filter(user=world.operator).delete()
    (media / "accounts" / "avatars" / "锦程.png").unlink()
    (media / "later.png").write_bytes(b"added after the backup")

    output, _ = run("restore", str(file), "--yes")
    assert "已从" in output

    assert sorted(User.objects.values_list("id", "username", "display_name")) == users_at_backup
    assert (
        list(AuditEntry.objects.order_by("id").values_list("id", "action", "changes"))
        == audit_at_backup
    )
    planner = User.objects.get(username="planner")
    assert (planner.display_name, planner.phone) == ("李策划", "13900000003")
    assert planner.check_password(PASSWORD)
    assert scopes.has_perm(User.objects.get(username="operator"), Perm.MATRIX_MANAGE)
    assert Account.objects.filter(pk=deleted.pk, deleted_at__isnull=False).exists()
    assert (media / "accounts" / "avatars" / "锦程.png").read_bytes() == LOGO
    assert not (media / "later.png").exists()
    User.objects.create(username="after-restore")  # ids continue after the restored rows


def test_the_backup_holds_a_manifest_gzipped_json_and_the_media(
    world: World, media: Path, tmp_path: Path
) -> None:
    file = tmp_path / "b.tar.gz"
    run("backup", "-o", str(file))
    with tarfile.open(file, "r:gz") as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())  # type: ignore[union-attr]
        rows = json.loads(gzip.decompress(tar.extractfile(backup.DATA).read()))  # type: ignore[union-attr]
    assert names == {backup.MANIFEST, backup.DATA, "media/accounts/avatars/锦程.png"}
    assert manifest["format"] == "mediadesk-backup"
    assert manifest["counts"]["orgs.User"] == User.objects.count() == 11
    assert manifest["media_files"] == 1
    assert "orgs" in manifest["migrations"]
    models = {row["model"] for row in rows}
    assert {"orgs.user", "orgs.rolegrant", "orgs.organisation", "matrix.platform"} <= models
    assert not models & {"auth.permission", "contenttypes.contenttype", "sessions.session"}
    assert file.stat().st_mode & 0o077 == 0  # it holds password hashes: owner only


def test_backup_refuses_to_overwrite_a_file(world: World, tmp_path: Path) -> None:
    file = tmp_path / "b.tar.gz"
    file.write_bytes(b"precious")
    with pytest.raises(CommandError, match="已存在"):
        run("backup", "--output", str(file))
    assert file.read_bytes() == b"precious"


def test_backup_defaults_to_a_timestamped_file_under_var(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    output, _ = run("backup")
    (made,) = (tmp_path / "backups").glob("mediadesk-*.tar.gz")
    assert str(made) in output


@pytest.mark.parametrize("content", ["garbage", "plain-tar", "wrong-format"])
def test_restore_refuses_a_file_that_is_not_a_mediadesk_backup(
    world: World, tmp_path: Path, content: str
) -> None:
    file = tmp_path / "x.tar.gz"
    if content == "garbage":
        file.write_bytes(b"this is not a backup at all")
    else:
        manifest = json.dumps({"format": "something-else"}).encode()
        with tarfile.open(file, "w:gz") as tar:
            info = tarfile.TarInfo("notes.txt" if content == "plain-tar" else backup.MANIFEST)
            info.size = len(manifest)
            tar.addfile(info, io.BytesIO(manifest))
    with pytest.raises(CommandError, match="不是 MediaDesk 备份文件"):
        run("restore", str(file), "--yes")
    assert User.objects.count() == 11


def test_restore_reports_a_missing_file(tmp_path: Path, db: Any) -> None:
    with pytest.raises(CommandError, match="找不到备份文件"):
        run("restore", str(tmp_path / "none.tar.gz"), "--yes")


def test_restore_asks_for_confirmation(
    world: World, media: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    file = tmp_path / "b.tar.gz"
    run("backup", "-o", str(file))
    services.create_user(
        by=world.admin, organisation=world.org, username="newcomer", password=PASSWORD
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        run("restore", str(file))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        run("restore", str(file))
    assert User.objects.filter(username="newcomer").exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    run("restore", str(file))
    assert not User.objects.filter(username="newcomer").exists()


def test_a_backup_from_a_newer_version_is_refused(
    world: World, media: Path, tmp_path: Path
) -> None:
    file = tmp_path / "b.tar.gz"
    run("backup", "-o", str(file))
    manifest = backup.read_manifest(file)
    newer = {**manifest.__dict__, "format": backup.FORMAT, "version": backup.FORMAT_VERSION}
    newer["migrations"] = {
        **manifest.migrations,
        "orgs": [*manifest.migrations["orgs"], "0099_future"],
    }
    forged = rewrite(
        file, tmp_path / "newer.tar.gz", **{backup.MANIFEST: json.dumps(newer).encode()}
    )
    with pytest.raises(CommandError, match=r"更新的 MediaDesk 版本.*orgs\.0099_future"):
        run("restore", str(forged), "--yes")


def test_a_restore_that_fails_midway_changes_nothing(
    world: World, media: Path, tmp_path: Path
) -> None:
    file = tmp_path / "b.tar.gz"
    run("backup", "-o", str(file))
    rows = [
        {
            "model": "orgs.organisation",
            "pk": 990,
            "fields": {"name": "半截写入", "brand_keyword": "", "is_demo": False},
        },
        {"model": "orgs.nosuchmodel", "pk": 1, "fields": {}},
    ]
    broken = rewrite(
        file, tmp_path / "broken.tar.gz", **{backup.DATA: gzip.compress(json.dumps(rows).encode())}
    )
    with pytest.raises(CommandError, match="数据库未作任何改动"):
        run("restore", str(broken), "--yes")
    assert User.objects.count() == 11
    assert not Organisation.objects.filter(pk=990).exists()
    assert (media / "accounts" / "avatars" / "锦程.png").read_bytes() == LOGO


def test_restore_warns_when_the_encryption_key_differs(
    world: World, media: Path, tmp_path: Path, settings: Any
) -> None:
    from cryptography.fernet import Fernet

    file = tmp_path / "b.tar.gz"
    run("backup", "-o", str(file))
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _, err = run("restore", str(file), "--yes")
    assert "MEDIADESK_ENCRYPTION_KEY" in err
