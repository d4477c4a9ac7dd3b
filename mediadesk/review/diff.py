"""Field-by-field comparison of two revision snapshots, with inline character diffs (difflib).

A snapshot is {"item": {field: value}, "assets": [{"id", "title"}], "variants": [{"id",
"label", "fields": {field: value}}]}; values are already what people read (labels, not ids).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# Past this length a character diff is slow and unreadable; show before/after whole.
INLINE_LIMIT = 20_000


@dataclass(frozen=True)
class Segment:
    """A run of text that is unchanged ("equal"), removed ("delete") or added ("insert")."""

    op: str
    text: str


@dataclass
class FieldChange:
    label: str
    before: Any
    after: Any
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Section:
    """The changes of the item itself or of one variant."""

    label: str
    state: str  # "changed" | "added" | "removed"
    changes: list[FieldChange]


def inline(before: str, after: str) -> list[Segment]:
    """Character-level segments turning `before` into `after` (Chinese has no word spaces)."""
    if len(before) + len(after) > INLINE_LIMIT:
        return []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[Segment] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(Segment("equal", before[a1:a2]))
            continue
        if a2 > a1:
            out.append(Segment("delete", before[a1:a2]))
        if b2 > b1:
            out.append(Segment("insert", after[b1:b2]))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], labels: Mapping[str, str]
) -> list[FieldChange]:
    """One change per field whose value differs, in `labels` order then any others."""
    keys = list(labels) + sorted((set(before) | set(after)) - set(labels))
    out = []
    for key in keys:
        old, new = _text(before.get(key)), _text(after.get(key))
        if old == new:
            continue
        segments = inline(old, new) if old and new else []
        out.append(FieldChange(labels.get(key, key), old, new, segments))
    return out


def _assets(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    titles = sorted(str(a.get("title", a.get("id"))) for a in snapshot.get("assets", []))
    return {"assets": titles}


def compare(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    *,
    item_labels: Mapping[str, str],
    variant_labels: Mapping[str, str],
) -> list[Section]:
    """Sections of changes from `before` (None for a first revision) to `after`."""
    before = before or {}
    item_before = {**before.get("item", {}), **(_assets(before) if before else {})}
    item_after = {**after.get("item", {}), **_assets(after)}
    sections = []
    labels = {**item_labels, "assets": _("素材")}
    changes = field_changes(item_before, item_after, labels)
    if changes:
        sections.append(Section(_("内容"), "changed" if before else "added", changes))
    old = {v["id"]: v for v in before.get("variants", [])}
    new = {v["id"]: v for v in after.get("variants", [])}
    for vid, variant in new.items():
        previous = old.get(vid)
        changes = field_changes(
            previous["fields"] if previous else {}, variant["fields"], variant_labels
        )
        if changes:
            state = "changed" if previous else "added"
            sections.append(Section(variant["label"], state, changes))
    for vid, variant in old.items():
        if vid not in new:
            sections.append(Section(variant["label"], "removed", []))
    return sections
