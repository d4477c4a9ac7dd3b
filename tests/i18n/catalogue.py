"""Reading the committed English catalogue and compiling it for the tests (no polib needed)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PO_JS = PO.with_name("djangojs.po")  # gettext() in the static scripts (JavaScriptCatalog)


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    fuzzy: bool


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def _msgstr(lines: list[str]) -> str:
    """The translation; of a plural entry (msgstr[0], msgstr[1]…) every form, or "" when any
    form is missing."""
    forms: list[list[str]] = []
    for line in lines:
        if line.startswith("msgstr"):
            forms.append([line.split(" ", 1)[1]])
        else:
            forms[-1].append(line)
    texts = [_unquote(form) for form in forms]
    return "" if not all(t.strip() for t in texts) else "\n".join(texts)


def read_po(path: Path) -> list[Entry]:
    """Every entry but the header (msgid ""), in file order; obsolete (#~) entries skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith(("#~", "#|"))]
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        body = [ln for ln in lines if not ln.startswith("#")]
        if not body or not body[0].startswith("msgid "):
            continue
        split = next(i for i, ln in enumerate(body) if ln.startswith("msgstr"))
        plural = next((i for i, ln in enumerate(body) if ln.startswith("msgid_plural ")), split)
        msgid = _unquote([body[0][6:], *body[1:plural]])
        msgstr = _msgstr(body[split:])
        if msgid:
            entries.append(Entry(msgid, msgstr, fuzzy))
    return entries


def ensure_compiled() -> None:
    """Compile the .po when the .mo is missing or older (the Makefile normally has done so);
    written to a temporary file and renamed, so parallel test workers never read half a file."""
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is needed: make gettext-deps / apt-get install gettext"
    fd, tmp = tempfile.mkstemp(dir=MO.parent, suffix=".mo.tmp")
    os.close(fd)
    subprocess.run([msgfmt, "--check-format", "-o", tmp, str(PO)], check=True)
    os.replace(tmp, MO)
    from django.utils.translation import trans_real

    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]
