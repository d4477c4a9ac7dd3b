"""Logging in: username or phone, locked per account, slowed per client address, TOTP."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from mediadesk.core import crypto, phone
from mediadesk.core.middleware import client_ip
from mediadesk.orgs.models import ApiToken, LoginAttempt, User


class UsernameOrPhoneBackend(ModelBackend):
    """Accepts the username or the user's mobile number as the login name."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kw: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = resolve(username)
        if user is None:
            User().set_password(password)  # equalise timing with the found-user path
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def resolve(login: str) -> User | None:
    """The account a login name (username, or mobile in any spelling) refers to."""
    login = login.strip()
    digits = phone.normalise(login)
    q = Q(username__iexact=login)
    if phone.is_mobile(digits):
        q |= Q(phone=digits)
    return User.objects.filter(q).order_by("id").first()


def account_key(login: str) -> str:
    """What failures are counted on: the resolved account's username, else the normalised
    identifier, so 138 0000 0008 and +8613800000008 cannot dodge a lock on 13800000008."""
    user = resolve(login)
    if user is not None:
        return user.username.lower()[:150]
    digits = phone.normalise(login)
    return (digits if phone.is_mobile(digits) else login.strip().lower())[:150]


class LockedOut(Exception):
    """Too many failed logins for this account."""


class Throttled(LockedOut):
    """Too many failed logins from this client address (answered instead of 'wrong password')."""


def _window_start() -> Any:
    return timezone.now() - settings.LOGIN_LOCKOUT


def is_locked(username: str) -> bool:
    """The account (or unresolved identifier) reached LOGIN_FAILURE_LIMIT in the window."""
    recent = LoginAttempt.objects.filter(at__gte=_window_start())
    return recent.filter(username__iexact=account_key(username)).count() >= (
        settings.LOGIN_FAILURE_LIMIT
    )


def ip_over_limit(ip: str | None) -> bool:
    """The address reached LOGIN_IP_FAILURE_LIMIT failures in the window."""
    if not ip:
        return False
    recent = LoginAttempt.objects.filter(at__gte=_window_start(), ip=ip)
    return recent.count() >= settings.LOGIN_IP_FAILURE_LIMIT


def check_credentials(request: HttpRequest, username: str, password: str) -> User | None:
    """Authenticate with throttling: raises LockedOut, returns None on bad credentials.

    The per-address limit never refuses a correct password of an unlocked account (behind a
    proxy or NAT everyone shares one address): past it, every failure from that address is
    answered more slowly and with Throttled, whether or not the login name exists."""
    ip = client_ip(request)
    if is_locked(username):
        raise LockedOut
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_failure(username, ip)
        if ip_over_limit(ip):
            time.sleep(settings.LOGIN_IP_SLOWDOWN_MS / 1000)
            raise Throttled
        return None
    if not user.totp_enabled:
        clear_failures(username)
    return user


def record_failure(username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(username=account_key(username), ip=ip)


def clear_failures(username: str) -> None:
    """Forget a username's failures once the login is complete (after the TOTP step, if any),
    so a known password cannot reset the counter of wrong TOTP codes."""
    LoginAttempt.objects.filter(username__iexact=account_key(username)).delete()


def verify_totp(user: User, code: str) -> bool:
    if not user.totp_enabled or not user.totp_secret:
        return True
    secret = crypto.unseal(user.totp_secret)
    return pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), valid_window=1)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def user_for_token(key: str) -> User | None:
    """The active user owning an unrevoked API token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
