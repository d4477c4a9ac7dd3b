"""The English catalogue is complete and up to date: CI fails when a developer adds or
changes a translatable string without running `make messages` and translating it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.i18n.catalogue import PO, PO_JS, read_po

CATALOGUES = {"django": PO, "djangojs": PO_JS}

SOURCE = Path(settings.BASE_DIR)


def extract_msgids(tmp_path: Path, monkeypatch: Any, domain: str = "django") -> set[str]:
    """Run makemessages over a copy of the source tree; return the msgids it finds."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        pytest.fail("GNU gettext is needed to check the catalogue: apt-get install gettext")
    copy = tmp_path / "mediadesk"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "*.po", "media"),
    )
    (copy / "locale").mkdir(exist_ok=True)
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["en"], domain=domain, no_location=True,
                     no_obsolete=True, verbosity=0)  # fmt: skip
    return {e.msgid for e in read_po(copy / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po")}


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_the_catalogue_has_exactly_the_msgids_of_the_source(
    tmp_path: Path, monkeypatch: Any, domain: str
) -> None:
    committed = {e.msgid for e in read_po(CATALOGUES[domain])}
    extracted = extract_msgids(tmp_path, monkeypatch, domain)
    missing = sorted(extracted - committed)
    stale = sorted(committed - extracted)
    assert not missing and not stale, (
        "The English catalogue is stale: run `make messages` and translate the new entries.\n"
        f"Not in the catalogue ({len(missing)}): {missing[:20]}\n"
        f"No longer in the source ({len(stale)}): {stale[:20]}"
    )


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_every_msgid_has_a_reviewed_english_translation(domain: str) -> None:
    entries = read_po(CATALOGUES[domain])
    assert len(entries) > (500 if domain == "django" else 40)
    untranslated = [e.msgid for e in entries if not e.msgstr.strip()]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not untranslated, f"{len(untranslated)} msgids without English: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (machine-guessed) entries to review: {fuzzy[:20]}"


@pytest.mark.parametrize("domain", sorted(CATALOGUES))
def test_the_translations_keep_the_placeholders_and_compile(tmp_path: Path, domain: str) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is needed: apt-get install gettext"
    result = subprocess.run(
        [msgfmt, "--check-format", "-o", str(tmp_path / f"{domain}.mo"), str(CATALOGUES[domain])],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
