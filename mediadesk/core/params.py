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


def id_list(values: Any) -> list[int]:
    """The valid ids among posted values (check boxes named ids); anything else is dropped."""
    return [n for n in (id_param(v) for v in values) if n is not None]


def safe_next(request: Any, fallback: str) -> str:
    """The posted `next` address when it is a path on this site, else `fallback` (a URL name)."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)
