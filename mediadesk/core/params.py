"""Parsing of query-string parameters that must never raise on odd input."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


def id_param(value: Any) -> int | None:
    """A positive database id from a query parameter, or None for anything else
    (empty, non-ASCII digits such as "²", negative, or past the 64-bit range)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
