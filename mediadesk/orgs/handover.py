"""Handover on deactivation (离职交接): each app registers what a user holds that must move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mediadesk.core.audit import StrOrPromise


@dataclass(frozen=True)
class HandoverKind:
    code: str
    label: StrOrPromise
    count: Callable[[Any], int]  # (user) -> open items held
    move: Callable[..., int]  # (from_user, to_user, *, by) -> items moved, auditing each


KINDS: dict[str, HandoverKind] = {}


def register(kind: HandoverKind) -> None:
    KINDS[kind.code] = kind


def holdings(user: Any) -> list[tuple[HandoverKind, int]]:
    """What the user holds, per registered kind (only kinds with something to move)."""
    return [(kind, n) for kind in KINDS.values() if (n := kind.count(user))]
