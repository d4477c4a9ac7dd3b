"""Secrets at rest: Fernet with MEDIADESK_ENCRYPTION_KEY (several keys allow rotation)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in settings.ENCRYPTION_KEYS])


def seal(plaintext: str) -> str:
    """Encrypt a secret for storage."""
    return _fernet().encrypt(plaintext.encode()).decode()


def unseal(ciphertext: str) -> str:
    """Decrypt a stored secret; raises ValueError if no configured key opens it."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError("无法解密：加密密钥与存储时不一致") from None
