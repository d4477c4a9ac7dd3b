"""What every Excel/CSV import shares between its preview and its confirm step.

The parsed upload waits in a file under var/imports/, named by a random token that only the
uploader's session holds; confirm reads it back (only for the same user) and discards it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mediadesk.core.excel import Table

STASH_MAX_AGE = 24 * 3600
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _stash_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash(table: Table, *, user: Any, filename: str, meta: dict[str, Any] | None = None) -> str:
    """Keep a parsed upload (and what the confirm step needs besides, e.g. the project) for
    the confirm step; returns its token. Pages keep the token in the session, the API hands
    it to the caller."""
    folder = _stash_dir()
    cutoff = time.time() - STASH_MAX_AGE
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    data = {"user": user.pk, "filename": filename, "headers": table.headers, "rows": table.rows,
            "first_row": table.first_row, "meta": meta or {}}  # fmt: skip
    (folder / f"{token}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return token


def unstash(token: str | None, *, user: Any) -> tuple[Table, str] | None:
    """The stashed upload of `user` under `token`, or None if gone or not theirs."""
    if not token or not TOKEN.match(token):
        return None
    path = _stash_dir() / f"{token}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("user") != user.pk:
        return None
    return Table(data["headers"], data["rows"], data["first_row"]), data["filename"]


def stashed_meta(token: str | None, *, user: Any) -> dict[str, Any] | None:
    """The `meta` stashed with `user`'s upload under `token`, or None if gone or not theirs."""
    if not token or not TOKEN.match(token):
        return None
    try:
        data = json.loads((_stash_dir() / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("meta") or {} if data.get("user") == user.pk else None


def discard(token: str | None) -> None:
    if token and TOKEN.match(token):
        (_stash_dir() / f"{token}.json").unlink(missing_ok=True)


def stash_upload(
    request: HttpRequest, form: forms.Form, *, session_key: str, read: Callable[[Any], Table]
) -> bool:
    """Parse the valid form's `file` with `read` and keep it for preview under `session_key`.

    False (with the reason on the form's `file` field) when the file cannot be read.
    """
    upload = form.cleaned_data["file"]
    try:
        table = read(upload)
    except ValidationError as exc:
        form.add_error("file", exc.messages)
        return False
    discard(request.session.get(session_key))
    request.session[session_key] = stash(table, user=request.user, filename=upload.name)
    return True
