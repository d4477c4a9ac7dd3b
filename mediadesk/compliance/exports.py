"""Lexicon export: the same columns the import reads, so an export re-imports unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from mediadesk.compliance.imports import COLUMNS
from mediadesk.compliance.models import Term

HEADERS = COLUMNS


def term_rows(terms: Iterable[Term]) -> Iterator[list[Any]]:
    for t in terms:
        yield [
            t.term, t.get_category_display(), t.get_severity_display(), t.suggestion, t.basis,
            "启用" if t.is_active else "停用",
        ]  # fmt: skip


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
