"""The reply-sender interface a platform connector plugs into.

A connector (publishing/connectors/, another issue) registers a factory per platform code:
`register("weibo", factory)` where `factory(message)` returns a `Sender` for the message's
account, or None when that account has no API access (then the inbox falls back to copy +
已在平台回复). Nothing is registered by the engagement app itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Outcome:
    """What the platform said: ok with its reply id, or an error in Chinese."""

    ok: bool
    platform_reply_id: str = ""
    error: str = ""


class Sender(Protocol):
    def send(self, message: Any, text: str) -> Outcome:
        """Post `text` as a reply to `message` on its platform."""
        ...


_FACTORIES: dict[str, Callable[[Any], Sender | None]] = {}


def register(platform: str, factory: Callable[[Any], Sender | None]) -> None:
    """Plug a connector's reply sender in for one platform code."""
    _FACTORIES[platform] = factory


def unregister(platform: str) -> None:
    _FACTORIES.pop(platform, None)


def sender_for(message: Any) -> Sender | None:
    """The sender for the message's platform and account, None for copy + confirm."""
    factory = _FACTORIES.get(message.platform.code)
    return factory(message) if factory else None
