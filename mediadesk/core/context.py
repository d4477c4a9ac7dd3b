"""Who is acting and from where, for the audit trail: set by the web/API/CLI/task entrances."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source: str
    request_id: str = ""
    ip: str | None = None


_origin: ContextVar[Origin] = ContextVar("mediadesk_origin", default=Origin("system"))  # noqa: B039 (frozen)


def current() -> Origin:
    return _origin.get()


@contextmanager
def acting_from(source: str, *, request_id: str = "", ip: str | None = None) -> Iterator[Origin]:
    origin = Origin(source, request_id or uuid.uuid4().hex[:16], ip)
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)
