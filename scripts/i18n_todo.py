"""List the msgids still to translate, by where they occur in the source.

    .venv/bin/python scripts/i18n_todo.py live/ templates/live/   # only those paths
    .venv/bin/python scripts/i18n_todo.py                          # everything

The committed catalogue has no source locations (small diffs); this extracts them again into
a temporary copy, then prints, for every msgid whose location matches one of the arguments
and that the committed catalogue lacks, leaves empty or marks fuzzy, the location and msgid.
Run `make messages` first so the catalogue holds the new msgids to fill in.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediadesk.config.settings")


def extracted_locations(source: Path) -> dict[str, list[str]]:
    """msgid → its source locations, from makemessages run over a copy of `source`."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "mediadesk"
        ignore = shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "*.po", "media")
        shutil.copytree(source, copy, ignore=ignore)
        (copy / "locale").mkdir(exist_ok=True)
        cwd = Path.cwd()
        os.chdir(copy)
        try:
            with override_settings(LOCALE_PATHS=[copy / "locale"]):
                call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
        finally:
            os.chdir(cwd)
        return _locations((copy / "locale/en/LC_MESSAGES/django.po").read_text("utf-8"))


def _locations(text: str) -> dict[str, list[str]]:
    import ast

    found: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        where = [w for ln in lines if ln.startswith("#: ") for w in ln[3:].split()]
        body = [ln for ln in lines if not ln.startswith("#")]
        if not body or not body[0].startswith("msgid "):
            continue
        end = next(i for i, ln in enumerate(body) if ln.startswith(("msgstr", "msgid_plural")))
        msgid = "".join(ast.literal_eval(ln.removeprefix("msgid ")) for ln in body[:end])
        if msgid:
            found[msgid] = where
    return found


def main(prefixes: list[str]) -> int:
    import django

    django.setup()
    from tests.i18n.catalogue import PO, read_po

    done = {e.msgid for e in read_po(PO) if e.msgstr.strip() and not e.fuzzy}
    todo = 0
    for msgid, where in extracted_locations(ROOT / "mediadesk").items():
        if msgid in done or (prefixes and not any(p in w for w in where for p in prefixes)):
            continue
        todo += 1
        print(f"{where[0] if where else '?'}\t{msgid!r}")
    print(f"# {todo} msgids to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
