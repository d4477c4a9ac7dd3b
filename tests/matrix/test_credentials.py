"""Credentials vault pages: encryption at rest, re-entered password, audit, who may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from mediadesk.core import crypto
from mediadesk.core.models import AuditEntry
from mediadesk.matrix import services
from mediadesk.matrix.models import Credential
from tests.conftest import PASSWORD, World
from tests.matrix.conftest import Matrix

pytestmark = pytest.mark.django_db

SECRET = "Douyin-Zmx9-Passw0rd-unique"
LABEL = "抖音后台登录-唯一标记"


@pytest.fixture
def cred(world: World, matrix: Matrix) -> Credential:
    return services.add_credential(
        matrix.sales_a_acc, by=world.admin, kind="login", secret=SECRET,
        identifier="13800000009", label=LABEL,
    )  # fmt: skip


def reveal(client: Any, cred: Credential, password: str, *, htmx: bool = True) -> Any:
    url = reverse("matrix:credential_reveal", args=[cred.account_id, cred.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, {"password": password}, headers=headers)


def database_bytes() -> bytes:
    """Everything the database holds, as bytes: the whole SQLite image (file or memory),
    or on other engines the text of every credential and audit row."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        image = connection.connection.serialize()
        name = str(connection.settings_dict["NAME"])
        files = [Path(name), Path(f"{name}-wal")] if Path(name).is_file() else []
        return image + b"".join(p.read_bytes() for p in files if p.is_file())
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, label FROM matrix_credential")
        rows = cursor.fetchall()
        cursor.execute("SELECT changes FROM core_auditentry")
        rows += cursor.fetchall()
    return repr(rows).encode()


def test_a_secret_added_through_the_page_is_stored_encrypted(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.operator).post(
        reverse("matrix:credential_add", args=[matrix.qujiang.pk]),
        {"kind": "login", "label": LABEL, "identifier": "13800000005", "secret": SECRET},
    )
    assert response.status_code == 302
    cred = Credential.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM matrix_credential WHERE id = %s", [cred.pk])
        [raw] = cursor.fetchone()
    assert SECRET not in raw
    assert crypto.unseal(raw) == SECRET
    data = database_bytes()
    assert LABEL.encode() in data or connection.vendor != "sqlite"  # the scan sees the row
    assert SECRET.encode() not in data
    assert AuditEntry.objects.filter(action="credential.create", actor=world.operator).exists()


@pytest.mark.parametrize("persona", ["sales_a", "planner"])
def test_sales_and_viewers_get_403_on_adding_credentials(
    world: World, login: Any, matrix: Matrix, persona: str
) -> None:
    client = login(world.users[persona])
    url = reverse("matrix:credential_add", args=[matrix.sales_a_acc.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "login", "secret": "x"}).status_code == 403
    assert not Credential.objects.exists()


def test_the_custodian_reveals_the_secret_after_re_entering_the_password(
    world: World, login: Any, cred: Credential
) -> None:
    response = reveal(login(world.sales_a), cred, PASSWORD)
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET in html and "<html" not in html  # an htmx partial
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="credential.reveal")
    assert entry.actor == world.sales_a and entry.changes["ok"] == [None, True]
    assert entry.target_id == str(cred.account_id)
    assert SECRET not in str(entry.changes)


def test_a_wrong_password_reveals_nothing_and_is_audited(
    world: World, login: Any, cred: Credential
) -> None:
    response = reveal(login(world.sales_a), cred, "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET not in html and "密码不正确" in html
    entry = AuditEntry.objects.get(action="credential.reveal")
    assert entry.changes["ok"] == [None, False]


def test_an_admin_may_reveal_on_a_full_page_without_htmx(
    world: World, login: Any, cred: Credential
) -> None:
    response = reveal(login(world.admin), cred, PASSWORD, htmx=False)
    assert SECRET in response.content.decode() and "<html" in response.content.decode()
    assert AuditEntry.objects.filter(action="credential.reveal", actor=world.admin).count() == 1


@pytest.mark.parametrize("persona", ["planner", "operator", "manager"])
def test_a_non_custodian_without_the_secrets_right_gets_403(
    world: World, login: Any, cred: Credential, persona: str
) -> None:
    response = reveal(login(world.users[persona]), cred, PASSWORD)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert not AuditEntry.objects.filter(action="credential.reveal").exists()


def test_a_user_who_cannot_see_the_account_gets_404(
    world: World, login: Any, cred: Credential
) -> None:
    response = reveal(login(world.sales_b), cred, PASSWORD)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert not AuditEntry.objects.filter(action="credential.reveal").exists()


def test_the_detail_lists_credentials_only_for_who_may_manage_or_reveal(
    world: World, login: Any, cred: Credential
) -> None:
    url = reverse("matrix:detail", args=[cred.account_id])
    custodian_page = login(world.sales_a).get(url)
    assert LABEL in custodian_page.content.decode()
    assert SECRET not in custodian_page.content.decode()
    assert custodian_page.context["credentials"] is not None
    assert login(world.planner).get(url).context["credentials"] is None


def test_deleting_a_credential_is_audited_and_needs_manage(
    world: World, login: Any, cred: Credential
) -> None:
    url = reverse("matrix:credential_delete", args=[cred.account_id, cred.pk])
    assert login(world.sales_a).post(url).status_code == 403
    assert Credential.objects.filter(pk=cred.pk).exists()
    response = login(world.operator).post(url)
    assert response.status_code == 302
    assert not Credential.objects.filter(pk=cred.pk).exists()
    assert AuditEntry.objects.filter(action="credential.delete", actor=world.operator).exists()
