"""The profile page: own details and roles, password change, TOTP off, API tokens."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import ApiToken
from mediadesk.orgs.services import create_api_token
from tests.conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lotus-river-2024"


def test_every_user_sees_their_own_roles(world, login):
    body = login(world.sales_a).get("/profile/").content.decode()
    assert "置业顾问/销售" in body and "锦程·曲江府" in body


def test_the_profile_needs_a_login(world):
    assert Client().get("/profile/")["Location"].startswith("/login/")


def test_changing_the_password_keeps_the_session_and_retires_the_old_one(world, login):
    client = login(world.planner)
    response = client.post(
        "/profile/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response["Location"] == "/profile/"
    assert client.get("/profile/").status_code == 200  # still logged in
    world.planner.refresh_from_db()
    assert world.planner.check_password(NEW_PASSWORD)
    assert audit_actions("user", world.planner.pk) == ["user.password"]
    old = Client().post("/login/", {"username": "planner", "password": PASSWORD})
    assert "用户名/手机号或密码不正确" in old.content.decode()
    new = Client()
    new.post("/login/", {"username": "planner", "password": NEW_PASSWORD})
    assert new.session.get("_auth_user_id") == str(world.planner.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "old_password": "not-my-password",
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
            "当前密码不正确",
        ),
        (
            {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "Lotus-river-2025"},
            "两次输入的新密码不一致",
        ),
        ({"old_password": PASSWORD, "new_password": "short", "confirm": "short"}, "此密码太短"),
        ({"old_password": PASSWORD, "new_password": "planner-1", "confirm": "planner-1"}, "密码"),
    ],
)
def test_a_bad_password_change_is_refused(world, login, data, message):
    response = login(world.planner).post("/profile/password/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    world.planner.refresh_from_db()
    assert world.planner.check_password(PASSWORD)
    assert not AuditEntry.objects.exists()


def test_turning_totp_off_needs_the_password(world, login):
    import pyotp

    from mediadesk.orgs.services import enable_totp

    secret = pyotp.random_base32()
    enable_totp(world.planner, by=world.planner, secret=secret, code=pyotp.TOTP(secret).now())
    client = login(world.planner)
    response = client.post("/profile/totp/disable/", {"password": "wrong-password"})
    assert "密码不正确" in response.content.decode()
    world.planner.refresh_from_db()
    assert world.planner.totp_enabled

    client.post("/profile/totp/disable/", {"password": PASSWORD})
    world.planner.refresh_from_db()
    assert not world.planner.totp_enabled and world.planner.totp_secret == ""
    assert audit_actions("user", world.planner.pk) == ["user.totp_enable", "user.totp_disable"]


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(world, login):
    client = login(world.planner)
    response = client.post("/profile/tokens/", {"name": "数据同步"})
    key = response.context["new_key"]
    assert key.startswith("md_") and key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=world.planner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.prefix, token.key_hash} and len(token.prefix) < len(key)
    assert audit_actions("api_token", token.pk) == ["api_token.create"]
    assert key not in client.get("/profile/").content.decode()
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/projects").status_code == 200


def test_a_user_revokes_their_own_token_only(world, login):
    mine, key = create_api_token(world.planner, by=world.planner, name="mine")
    theirs, _ = create_api_token(world.legal, by=world.legal, name="theirs")
    client = login(world.planner)
    assert client.post(f"/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    client.post(f"/profile/tokens/{mine.pk}/revoke/")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert audit_actions("api_token", mine.pk) == ["api_token.create", "api_token.revoke"]
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/projects").status_code
        == 401
    )
