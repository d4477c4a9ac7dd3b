"""`mediadesk createadmin`: the first administrator of an installation, audited as a CLI run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from mediadesk.core.models import AuditEntry
from mediadesk.orgs import services
from mediadesk.orgs.models import Organisation, RoleGrant, User
from mediadesk.orgs.roles import Role

GOOD = "Jincheng-admin-2025"

pytestmark = pytest.mark.django_db


def createadmin(*args: str) -> str:
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out)
    return out.getvalue()


def test_on_an_empty_database_it_creates_the_organisation_and_the_admin() -> None:
    output = createadmin("--username", "boss", "--password", GOOD, "--phone", "+86 138 0013 8000")
    org = Organisation.objects.get()
    user = User.objects.get(username="boss")
    assert org.name == "我的组织"
    assert (user.organisation, user.phone, user.is_active) == (org, "13800138000", True)
    assert user.check_password(GOOD)
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.organisation, grant.company, grant.project) == (
        Role.ADMIN,
        org,
        None,
        None,
    )
    assert "boss" in output and "我的组织" in output
    entries = list(
        AuditEntry.objects.order_by("id").values_list(
            "action", "source", "actor_label", "target_type"
        )
    )
    assert entries == [
        ("organisation.create", "cli", "系统", "organisation"),
        ("user.create", "cli", "系统", "user"),
        ("role.grant", "cli", "系统", "user"),
    ]
    assert AuditEntry.objects.get(action="role.grant").changes == {
        "role": [None, "系统管理员"],
        "scope": [None, "全组织：我的组织"],
    }


def test_the_new_admin_can_manage_users_through_the_services() -> None:
    createadmin("--username", "boss", "--password", GOOD, "--organisation", "锦程置业集团")
    boss = User.objects.get(username="boss")
    assert boss.organisation is not None
    created = services.create_user(
        by=boss, organisation=boss.organisation, username="wang", password=GOOD
    )
    assert created.organisation == boss.organisation


def test_it_joins_the_only_existing_organisation() -> None:
    org = Organisation.objects.create(name="锦程置业集团")
    createadmin("--username", "boss", "--password", GOOD)
    assert User.objects.get(username="boss").organisation == org
    assert not AuditEntry.objects.filter(action="organisation.create").exists()


def test_it_creates_a_named_organisation_beside_others() -> None:
    Organisation.objects.create(name="锦程置业集团")
    createadmin("--username", "boss", "--password", GOOD, "--organisation", "别家地产")
    assert User.objects.get(username="boss").organisation == Organisation.objects.get(
        name="别家地产"
    )


def test_with_several_organisations_it_asks_which() -> None:
    Organisation.objects.create(name="锦程置业集团")
    Organisation.objects.create(name="别家地产")
    with pytest.raises(CommandError, match="--organisation"):
        createadmin("--username", "boss", "--password", GOOD)
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["12345678901", "short", "password123", "boss-boss-boss"])
def test_weak_passwords_are_refused_and_nothing_is_written(password: str) -> None:
    with pytest.raises(CommandError, match="密码不符合要求"):
        createadmin("--username", "boss-boss-boss", "--password", password)
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_existing_username_is_refused_whatever_the_case() -> None:
    createadmin("--username", "Boss", "--password", GOOD)
    with pytest.raises(CommandError, match="已存在"):
        createadmin("--username", "boss", "--password", GOOD)
    assert User.objects.count() == 1


def test_a_bad_phone_is_refused() -> None:
    with pytest.raises(CommandError, match="--phone"):
        createadmin("--username", "boss", "--password", GOOD, "--phone", "029-8888")


def test_the_password_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(GOOD + "\nignored\n", encoding="utf-8")
    createadmin("--username", "boss", "--password-file", str(secret))
    assert User.objects.get(username="boss").check_password(GOOD)


def test_a_missing_password_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="无法读取密码文件"):
        createadmin("--username", "boss", "--password-file", str(tmp_path / "none"))


def test_without_a_terminal_the_password_must_be_given(monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--password"):
        createadmin("--username", "boss")
    with pytest.raises(CommandError, match="--username"):
        createadmin("--password", GOOD)
