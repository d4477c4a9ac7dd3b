"""POST /api/v1/auth/token, bearer tokens, session auth with CSRF, the OpenAPI docs."""

from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.test import Client

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account
from mediadesk.orgs import services
from mediadesk.orgs.auth import hash_token
from mediadesk.orgs.models import ApiToken, LoginAttempt
from tests.api.conftest import json_post
from tests.conftest import PASSWORD, World

TOKEN_URL = "/api/v1/auth/token"


def _token(client: Client, **body: Any) -> Any:
    return json_post(client, TOKEN_URL, body)


def test_password_gives_a_working_token_stored_hashed_and_audited(
    world: World, client: Client
) -> None:
    r = _token(client, username="manager", password=PASSWORD)
    assert r.status_code == 200
    key = r.json()["token"]
    token = ApiToken.objects.get(user=world.manager)
    assert token.key_hash == hash_token(key)
    assert key not in token.key_hash
    entry = AuditEntry.objects.get(action="api_token.create", target_id=str(token.pk))
    assert (entry.actor, entry.source) == (world.manager, "api")
    r = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/accounts")
    assert r.status_code == 200


def test_the_phone_number_works_as_username(world: World, client: Client) -> None:
    r = _token(client, username="139 0000 0002", password=PASSWORD, name="报表脚本")
    assert r.status_code == 200
    assert ApiToken.objects.get(user=world.manager).name == "报表脚本"


def test_bad_credentials_are_401_and_counted(world: World, client: Client) -> None:
    r = _token(client, username="manager", password="wrong-password")
    assert r.status_code == 401
    assert r.json()["detail"] == "用户名/手机号或密码不正确"
    assert LoginAttempt.objects.filter(username="manager").count() == 1
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="api_token.create").exists()


def test_inactive_user_gets_no_token(world: World, client: Client) -> None:
    world.manager.is_active = False
    world.manager.save()
    assert _token(client, username="manager", password=PASSWORD).status_code == 401
    assert not ApiToken.objects.exists()


def test_token_endpoint_locks_out_after_the_failure_limit(world: World, client: Client) -> None:
    limit = settings.LOGIN_FAILURE_LIMIT
    for _ in range(limit):
        assert _token(client, username="manager", password="wrong-password").status_code == 401
    assert LoginAttempt.objects.filter(username="manager").count() == limit
    r = _token(client, username="manager", password=PASSWORD)  # right password, but locked
    assert r.status_code == 429
    assert r.json()["detail"].startswith("登录失败次数过多")
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="api_token.create").exists()
    assert LoginAttempt.objects.filter(username="manager").count() == limit


def test_token_endpoint_throttles_an_address_but_not_a_correct_password(
    world: World, client: Client, settings: Any
) -> None:
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    settings.LOGIN_IP_SLOWDOWN_MS = 0
    for name in ("a", "b"):
        assert _token(client, username=name, password="x").status_code == 401
    r = _token(client, username="c", password="x")
    assert r.status_code == 429
    assert r.json()["detail"].startswith("此网络地址登录失败次数过多")
    assert LoginAttempt.objects.filter(ip="127.0.0.1").count() == 3
    assert _token(client, username="manager", password=PASSWORD).status_code == 200
    assert ApiToken.objects.filter(user=world.manager).count() == 1


def test_a_successful_login_clears_the_failures(world: World, client: Client) -> None:
    _token(client, username="manager", password="wrong-password")
    assert _token(client, username="manager", password=PASSWORD).status_code == 200
    assert not LoginAttempt.objects.filter(username="manager").exists()


def _enable_totp(world: World) -> pyotp.TOTP:
    secret = services.new_totp_secret()
    totp = pyotp.TOTP(secret)
    services.enable_totp(world.manager, by=world.manager, secret=secret, code=totp.now())
    return totp


def test_totp_users_must_send_a_valid_otp(world: World, client: Client) -> None:
    totp = _enable_totp(world)
    r = _token(client, username="manager", password=PASSWORD)
    assert r.status_code == 401
    assert r.json()["errors"][0]["field"] == "otp"
    assert not LoginAttempt.objects.exists()

    wrong = "000000" if totp.now() != "000000" else "111111"
    r = _token(client, username="manager", password=PASSWORD, otp=wrong)
    assert r.status_code == 401
    assert LoginAttempt.objects.filter(username="manager").count() == 1
    assert not ApiToken.objects.exists()

    r = _token(client, username="manager", password=PASSWORD, otp=totp.now())
    assert r.status_code == 200
    assert ApiToken.objects.filter(user=world.manager).count() == 1
    assert not LoginAttempt.objects.exists()


def test_wrong_otps_lock_out_even_with_the_right_password(world: World, client: Client) -> None:
    totp = _enable_totp(world)
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert _token(client, username="manager", password=PASSWORD, otp=wrong).status_code == 401
    # Also when logging in by phone, whose failures would otherwise be counted apart.
    r = _token(client, username="13900000002", password=PASSWORD, otp=totp.now())
    assert r.status_code == 429
    assert _token(client, username="manager", password=PASSWORD, otp=totp.now()).status_code == 429
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_validates_its_body(world: World, client: Client) -> None:
    assert _token(client, username="", password="x").status_code == 422
    assert _token(client, username="manager").status_code == 422
    assert json_post(client, TOKEN_URL, "not json").status_code == 400
    assert not LoginAttempt.objects.exists()


# --- bearer tokens ---------------------------------------------------------------------


def test_invalid_token_is_401(world: World) -> None:
    r = Client(headers={"Authorization": "Bearer md_not-a-real-token"}).get("/api/v1/accounts")
    assert r.status_code == 401
    assert r.json() == {"detail": "未登录或令牌无效", "errors": []}


def test_revoked_token_is_401(world: World) -> None:
    token, key = services.create_api_token(world.manager, by=world.manager, name="t")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/accounts").status_code == 200
    services.revoke_api_token(token, by=world.manager)
    assert client.get("/api/v1/accounts").status_code == 401
    r = json_post(client, "/api/v1/accounts", {"platform": "douyin", "name": "锦程", "level": 1})
    assert r.status_code == 401
    assert not Account.objects.exists()


def test_token_of_a_deactivated_user_is_401(world: World) -> None:
    _, key = services.create_api_token(world.manager, by=world.manager, name="t")
    world.manager.is_active = False
    world.manager.save()
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/accounts").status_code
        == 401
    )


def test_use_of_a_token_is_recorded(world: World) -> None:
    token, key = services.create_api_token(world.manager, by=world.manager, name="t")
    assert token.last_used_at is None
    Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/platforms")
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- session auth and CSRF -------------------------------------------------------------

CSRF = "A" * 32
BODY = {"platform": "douyin", "name": "锦程置业", "level": 1}


def _browser(world: World) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.manager, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    return browser


def test_the_session_authenticates_reads_without_csrf(world: World) -> None:
    assert _browser(world).get("/api/v1/accounts").status_code == 200


def test_session_writes_without_csrf_token_are_refused(world: World) -> None:
    r = json_post(_browser(world), "/api/v1/accounts", BODY)
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    assert not Account.objects.exists()


def test_session_writes_with_csrf_token_pass(world: World) -> None:
    browser = _browser(world)
    browser.cookies["csrftoken"] = CSRF
    r = browser.post(
        "/api/v1/accounts", BODY, content_type="application/json", headers={"X-CSRFToken": CSRF}
    )
    assert r.status_code == 201
    assert AuditEntry.objects.get(action="account.create").source == "api"


def test_bearer_writes_need_no_csrf_token(world: World, api: Any) -> None:
    _, key = services.create_api_token(world.manager, by=world.manager, name="t")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    r = json_post(client, "/api/v1/accounts", BODY)
    assert r.status_code == 201
    account = Account.objects.get(pk=r.json()["id"])
    assert (account.name, account.level, account.organisation) == ("锦程置业", 1, world.org)
    entry = AuditEntry.objects.get(action="account.create", target_id=str(account.pk))
    assert (entry.actor, entry.source) == (world.manager, "api")


def test_anonymous_write_is_401_not_a_csrf_error(world: World) -> None:
    r = json_post(Client(enforce_csrf_checks=True), "/api/v1/accounts", BODY)
    assert r.status_code == 401
    assert r.json()["detail"] == "未登录或令牌无效"
    assert not Account.objects.exists()


# --- docs ------------------------------------------------------------------------------


def test_openapi_schema_lists_the_endpoints(world: World, client: Client) -> None:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "MediaDesk API"
    for path in ("/api/v1/auth/token", "/api/v1/accounts", "/api/v1/accounts/{account_id}",
                 "/api/v1/accounts/{account_id}/standards", "/api/v1/platforms", "/api/v1/projects",
                 "/api/v1/audit"):  # fmt: skip
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/v1/accounts/{account_id}"]) == {"get", "patch"}
    assert "BearerToken" in schema["components"]["securitySchemes"]


def test_docs_page_renders_from_local_static_files(world: World, client: Client) -> None:
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger-ui" in html
    assert "/api/v1/openapi.json" in html
    assert "cdn." not in html
