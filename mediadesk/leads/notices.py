"""Notifications of the leads and commissions apps, written in each recipient's language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation

from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import Organisation


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    text: Callable[[], tuple[str, str]],
    url: str = "",
    organisation: Organisation | None = None,
) -> None:
    """`notifications.notify` once per language among `recipients`: `text()` gives (title,
    body) and is called with that language active; robots (relayed with `organisation`)
    receive the source language (LANGUAGE_CODE)."""
    by_language: dict[str, list[Any]] = defaultdict(list)
    for user in recipients:
        if user is not None:
            by_language[getattr(user, "language", "") or settings.LANGUAGE_CODE].append(user)
    if organisation is not None:
        by_language.setdefault(settings.LANGUAGE_CODE, [])
    for language, users in by_language.items():
        with translation.override(language):
            title, body = text()
        relay = organisation if language == settings.LANGUAGE_CODE else None
        notifications.notify(users, kind=kind, title=title, body=body, url=url, organisation=relay)
