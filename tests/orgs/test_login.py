"""Logging in: username or phone, throttling per username and per IP, TOTP, session expiry."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.test import Client, override_settings

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import LoginAttempt
from mediadesk.orgs.views import PENDING, TOTP_SETUP
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> object:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in_as(client: Client) -> int | None:
    uid = client.session.get("_auth_user_id")
    return int(uid) if uid else None


def test_it_logs_in_by_username(world):
    client = Client()
    response = _login(client, "planner")
    assert response.status_code == 302
    assert _logged_in_as(client) == world.planner.pk


def test_it_logs_in_by_phone_in_any_common_format(world):
    client = Client()
    response = _login(client, "+86 139-0000-0002")
    assert response.status_code == 302
    assert _logged_in_as(client) == world.manager.pk


def test_it_redirects_to_a_safe_next_only(world):
    client = Client()
    response = client.post("/login/?next=/settings/", {"username": "admin", "password": PASSWORD})
    assert response["Location"] == "/settings/"
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/", {"username": "admin", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_a_wrong_password_shows_a_message_and_records_the_attempt(world):
    client = Client()
    response = _login(client, "planner", "wrong-password", ip="10.0.0.9")
    assert response.status_code == 200
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert _logged_in_as(client) is None
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.ip) == ("planner", "10.0.0.9")


def test_an_unknown_user_is_rejected_like_a_wrong_password(world):
    response = _login(Client(), "nobody", "whatever-1234")
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert LoginAttempt.objects.filter(username="nobody").count() == 1


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=1000)
def test_a_username_locks_after_the_failure_limit_even_with_the_right_password(world):
    for i in range(3):
        _login(Client(), "planner", "wrong-password", ip=f"10.0.1.{i}")
    client = Client()
    response = _login(client, "planner", ip="10.0.2.1")
    assert "已临时锁定" in response.content.decode()
    assert _logged_in_as(client) is None
    # the lock is per username: a colleague on the same network still gets in
    other = Client()
    _login(other, "legal", ip="10.0.2.1")
    assert _logged_in_as(other) == world.legal.pk


@override_settings(LOGIN_FAILURE_LIMIT=1000, LOGIN_IP_FAILURE_LIMIT=3, LOGIN_IP_SLOWDOWN_MS=0)
def test_an_address_past_its_limit_is_throttled_but_a_correct_password_still_logs_in(world):
    """Finding 5: failures with made-up usernames from one address (everyone behind a proxy)
    must not lock admin out; past the limit every failure is answered alike (no hint whether
    the name exists) and slowed."""
    for name in ("a", "b", "c"):
        _login(Client(), name, "wrong-password", ip="10.9.9.9")
    client = Client()
    _login(client, "admin", ip="10.9.9.9")
    assert _logged_in_as(client) == world.admin.pk
    for name in ("nobody", "planner"):  # unknown name and known name: the same answer
        page = _login(Client(), name, "wrong-password", ip="10.9.9.9").content.decode()
        assert "此网络地址登录失败次数过多" in page
    assert LoginAttempt.objects.filter(ip="10.9.9.9").count() == 5
    assert LoginAttempt.objects.filter(username="planner").count() == 1


@override_settings(LOGIN_FAILURE_LIMIT=1000, LOGIN_IP_FAILURE_LIMIT=1, LOGIN_IP_SLOWDOWN_MS=50)
def test_failures_past_the_address_limit_are_slowed(world, monkeypatch):
    import mediadesk.orgs.auth as auth_module

    slept: list[float] = []
    monkeypatch.setattr(auth_module.time, "sleep", slept.append)
    _login(Client(), "nobody", "wrong-password", ip="10.9.9.8")
    assert slept == [0.05]
    _login(Client(), "nobody", "wrong-password", ip="10.9.9.7")  # another address: first failure
    assert slept == [0.05, 0.05]  # ... is at its limit (1) too


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(world):
    client = Client()
    client.post(
        "/login/",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7, 10.0.0.3",
    )
    # the spoofable left-most hop is ignored: the first untrusted from the right is the client
    assert list(LoginAttempt.objects.values_list("ip", flat=True)) == ["203.0.113.7"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(world):
    Client().post(
        "/login/",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert list(LoginAttempt.objects.values_list("ip", flat=True)) == ["198.51.100.9"]


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_successful_login_clears_the_username_failures(world):
    for _ in range(2):
        _login(Client(), "planner", "wrong-password")
    _login(Client(), "planner")
    assert not LoginAttempt.objects.filter(username="planner").exists()


def test_an_inactive_user_cannot_log_in(world):
    world.planner.is_active = False
    world.planner.save()
    client = Client()
    response = _login(client, "planner")
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert _logged_in_as(client) is None


def test_sessions_expire(world):
    assert 300 <= settings.SESSION_COOKIE_AGE <= 24 * 3600
    client = Client()
    response = _login(client, "planner")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE


def test_logout_needs_post_and_ends_the_session(world):
    client = Client()
    _login(client, "planner")
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert _logged_in_as(client) is None


def _wrong_code(secret: str) -> str:
    """A code the authenticator does not show now (nor in the neighbouring time steps)."""
    totp = pyotp.TOTP(secret)
    return next(
        c for c in ("000000", "111111", "222222", "333333") if not totp.verify(c, valid_window=2)
    )


def _enable_totp(client: Client) -> str:
    client.get("/profile/totp/")
    secret = client.session[TOTP_SETUP]
    response = client.post("/profile/totp/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def test_totp_setup_shows_a_qr_code_and_the_secret(world, login):
    client = login(world.planner)
    response = client.get("/profile/totp/")
    body = response.content.decode()
    secret = client.session[TOTP_SETUP]
    assert "<svg" in body and secret in body
    # reloading keeps the same secret until it is confirmed
    client.get("/profile/totp/")
    assert client.session[TOTP_SETUP] == secret
    world.planner.refresh_from_db()
    assert not world.planner.totp_enabled


def test_totp_setup_rejects_a_wrong_code(world, login):
    client = login(world.planner)
    client.get("/profile/totp/")
    secret = client.session[TOTP_SETUP]
    response = client.post("/profile/totp/", {"code": _wrong_code(secret)})
    assert "验证码不正确" in response.content.decode()
    world.planner.refresh_from_db()
    assert not world.planner.totp_enabled
    assert not AuditEntry.objects.filter(action="user.totp_enable").exists()


def test_with_totp_enabled_the_login_needs_the_code(world, login):
    secret = _enable_totp(login(world.planner))
    world.planner.refresh_from_db()
    assert world.planner.totp_enabled and secret not in world.planner.totp_secret
    assert AuditEntry.objects.filter(
        action="user.totp_enable", target_id=str(world.planner.pk)
    ).exists()

    client = Client()
    response = _login(client, "planner")
    assert response["Location"].startswith("/login/totp/")
    assert _logged_in_as(client) is None
    assert client.session[PENDING] == world.planner.pk

    response = client.post("/login/totp/", {"code": _wrong_code(secret)})
    assert "验证码不正确" in response.content.decode()
    assert _logged_in_as(client) is None
    assert LoginAttempt.objects.filter(username="planner").count() == 1

    response = client.post("/login/totp/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert _logged_in_as(client) == world.planner.pk
    assert not LoginAttempt.objects.filter(username="planner").exists()


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_the_password_does_not_reset_the_count_of_wrong_codes(world, login):
    secret = _enable_totp(login(world.planner))
    for _ in range(2):
        client = Client()
        _login(client, "planner")
        client.post("/login/totp/", {"code": _wrong_code(secret)})
    client = Client()
    response = _login(client, "planner")
    assert "已临时锁定" in response.content.decode()


def test_the_totp_step_needs_a_pending_password_login(world):
    response = Client().get("/login/totp/")
    assert response["Location"] == "/login/"


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=1000)
@pytest.mark.parametrize(
    "alias", ["13800000008", "138 0000 0008", "+8613800000008", "138-0000-0008", "PLANNER"]
)
def test_a_locked_account_stays_locked_under_any_spelling_of_its_login(world, alias):
    """Finding 4: failures count on the resolved account, not on the typed identifier."""
    world.planner.phone = "13800000008"
    world.planner.save(update_fields=["phone"])
    for i in range(3):
        _login(Client(), "planner", "wrong-password", ip=f"10.0.1.{i}")
    client = Client()
    response = _login(client, alias, ip="10.0.2.1")
    assert "已临时锁定" in response.content.decode()
    assert _logged_in_as(client) is None
