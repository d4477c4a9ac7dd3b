"""Start-up configuration: a bad environment value stops the process naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

CONTROLLED = {
    "DEBUG", "TIME_ZONE", "LANGUAGE_CODE", "MEDIADESK_MODE", "SECRET_KEY", "DATABASE_URL",
    "MEDIADESK_ENCRYPTION_KEY", "ALLOWED_HOSTS", "LOGIN_FAILURE_LIMIT", "SESSION_MAX_AGE_SECONDS",
    "MEDIADESK_VAR_DIR", "MEDIA_ROOT",
}  # fmt: skip
SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY[:12], len(s.ENCRYPTION_KEYS))"


def start(tmp_path: Path, code: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run django.setup() in a fresh interpreter with only the given MediaDesk variables."""
    clean = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    clean.update(
        DJANGO_SETTINGS_MODULE="mediadesk.config.settings", MEDIADESK_VAR_DIR=str(tmp_path), **env
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=clean, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "name,value",
    [
        ("DEBUG", "maybe"),
        ("TIME_ZONE", "Mars/Base"),
        ("DATABASE_URL", "nonsense://"),
        ("MEDIADESK_ENCRYPTION_KEY", "short"),
        ("MEDIADESK_MODE", "staging"),
        ("LANGUAGE_CODE", "fr"),
        ("LOGIN_FAILURE_LIMIT", "five"),
        ("SESSION_MAX_AGE_SECONDS", "10"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    result = start(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.strip().splitlines()[-1]


def test_production_mode_requires_a_secret_key(tmp_path: Path) -> None:
    result = start(
        tmp_path,
        MEDIADESK_MODE="production",
        MEDIADESK_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_requires_an_encryption_key(tmp_path: Path) -> None:
    result = start(tmp_path, MEDIADESK_MODE="production", SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "MEDIADESK_ENCRYPTION_KEY must be set" in result.stderr


def test_production_mode_starts_with_both_keys_and_writes_no_secrets(tmp_path: Path) -> None:
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    result = start(
        tmp_path,
        SHOW,
        MEDIADESK_MODE="production",
        SECRET_KEY="prod-secret-key-0123456789",
        MEDIADESK_ENCRYPTION_KEY=keys,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "prod-secret-", "2"]
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "encryption_key").exists()


def test_development_mode_generates_the_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    first = start(tmp_path, SHOW)
    second = start(tmp_path, SHOW)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.split()[0] == "False"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert (tmp_path / "encryption_key").stat().st_mode & 0o077 == 0


def test_debug_is_off_unless_set_explicitly(tmp_path: Path) -> None:
    """Finding 8: development mode (what `make run` serves) never shows Django's debug pages."""
    assert start(tmp_path, SHOW).stdout.split()[0] == "False"
    assert start(tmp_path, SHOW, DEBUG="1").stdout.split()[0] == "True"
