"""Phone numbers: normalise mainland mobiles to 11 digits and mask them (前三后四)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise(raw: str) -> str:
    """Digits only, without +86/0086 prefix. Returns "" for empty input."""
    digits = _DIGITS.sub("", raw or "")
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def is_mobile(raw: str) -> bool:
    return bool(MOBILE.match(normalise(raw)))


def mask(raw: str) -> str:
    """前三后四: 13812345678 → 138****5678; anything shorter is fully hidden.

    A masked pattern (135****5678, 135**345678) is shown 前三后四 as well.
    """
    if "*" in (raw or ""):
        head, tail = _DIGITS.sub("", raw.split("*")[0]), _DIGITS.sub("", raw.rsplit("*", 1)[1])
        return f"{head[:3]}****{tail[-4:]}"
    digits = normalise(raw)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
