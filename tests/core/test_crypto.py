"""Secrets at rest: Fernet round trip, key rotation, and a clear error for a wrong key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mediadesk.core import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings: Any) -> Iterator[Any]:
    """keys(*k) switches the configured encryption keys (first one encrypts)."""

    def use(*configured: str) -> None:
        settings.ENCRYPTION_KEYS = list(configured)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def test_it_round_trips_chinese_text(keys: Any) -> None:
    keys(OLD)
    sealed = crypto.seal("抖音密码：Jc@2024")
    assert "Jc@2024" not in sealed
    assert crypto.unseal(sealed) == "抖音密码：Jc@2024"


def test_sealing_twice_gives_different_ciphertexts(keys: Any) -> None:
    keys(OLD)
    assert crypto.seal("same") != crypto.seal("same")


def test_rotation_reads_old_secrets_and_writes_with_the_new_key(keys: Any) -> None:
    keys(OLD)
    stored_before_rotation = crypto.seal("旧密码")
    keys(NEW, OLD)
    assert crypto.unseal(stored_before_rotation) == "旧密码"
    stored_after_rotation = crypto.seal("新密码")
    keys(NEW)
    assert crypto.unseal(stored_after_rotation) == "新密码"
    with pytest.raises(ValueError):
        crypto.unseal(stored_before_rotation)


def test_a_wrong_key_raises_value_error_with_a_chinese_message(keys: Any) -> None:
    keys(OLD)
    sealed = crypto.seal("secret")
    keys(NEW)
    with pytest.raises(ValueError, match="密钥"):
        crypto.unseal(sealed)


def test_garbage_ciphertext_raises_value_error(keys: Any) -> None:
    keys(OLD)
    with pytest.raises(ValueError):
        crypto.unseal("not a token")
