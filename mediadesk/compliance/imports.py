"""Lexicon import from Excel/CSV: parse, validate every row, preview, confirm all or nothing.

Rows are matched to existing terms by their normalised form (NO.1 = ｎｏ１), so importing
the export of a lexicon changes nothing and a corrected sheet updates rows in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from mediadesk.compliance import rules, services
from mediadesk.compliance.models import Lexicon, Term, WhitelistEntry
from mediadesk.compliance.rules import Category, Severity
from mediadesk.core import audit
from mediadesk.core.excel import Table, missing_headers, read_table
from mediadesk.orgs.models import Organisation


def _source_labels(choices: Any) -> list[str]:
    """The choices' Chinese labels, which the import template accepts in either language."""
    with translation.override(None):
        return [str(label) for _value, label in choices.choices]


COLUMNS = ("词语", "类别", "级别", "建议替换", "法律依据", "状态")
REQUIRED = ("词语", "类别", "级别")
MAX_ROWS = 20_000
ACTIVE_WORDS = {"": True, "启用": True, "是": True, "停用": False, "否": False}
NOTES: tuple[tuple[str, str | Promise], ...] = (
    ("词语", gettext_lazy("必填，最多 60 字。已有的词（忽略全半角、大小写、空格）会被更新")),
    ("类别", "必填。" + "、".join(_source_labels(Category)) + "（或代码）"),
    ("级别", gettext_lazy("必填。禁止/提示/参考（或 block/warn/info）")),
    ("建议替换", gettext_lazy("选填，最多 200 字")),
    ("法律依据", gettext_lazy("选填，最多 300 字")),
    ("状态", gettext_lazy("选填。启用/停用，默认启用")),
)


def _words(choices: Any) -> dict[str, str]:
    out = {value: value for value in choices.values}
    out.update({str(label): value for value, label in choices.choices})
    out.update(zip(_source_labels(choices), choices.values, strict=True))
    return out


CATEGORY_WORDS = _words(Category)
SEVERITY_WORDS = {**_words(Severity), "禁用": "block", "警告": "warn"}


@dataclass
class Row:
    """One data row: its cells, the values it resolves to, its problems, and whether it is new."""

    number: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    existing: Term | None = None

    @property
    def messages(self) -> list[str]:
        return [f"第 {self.number} 行「{column}」：{message}" for column, message in self.errors]


@dataclass
class Preview:
    """The validated upload."""

    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not self.error_rows

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if r.existing is None)


class ImportRejected(Exception):
    """The import cannot be written; `preview` says which rows and why."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(
            "; ".join(preview.problems + [m for r in preview.error_rows for m in r.messages])
        )
        self.preview = preview


def read_upload(upload: Any) -> Table:
    """The uploaded sheet as rows (raises ValidationError for unreadable files)."""
    return read_table(upload, max_rows=MAX_ROWS)


def _row(number: int, cells: dict[str, str]) -> Row:
    row = Row(number, cells)
    word = cells.get("词语", "").strip()
    if not rules.normalise(word):
        row.errors.append(("词语", "必填（不能只有空格或标点）"))
    elif len(word) > 60:
        row.errors.append(("词语", "不能超过 60 字"))
    category = CATEGORY_WORDS.get(cells.get("类别", "").strip())
    if category is None:
        row.errors.append(("类别", f"无法识别“{cells.get('类别', '')}”"))
    severity = SEVERITY_WORDS.get(cells.get("级别", "").strip().lower()) or SEVERITY_WORDS.get(
        cells.get("级别", "").strip()
    )
    if severity is None:
        row.errors.append(("级别", f"无法识别“{cells.get('级别', '')}”，应为 禁止/提示/参考"))
    active = ACTIVE_WORDS.get(cells.get("状态", "").strip())
    if active is None:
        row.errors.append(("状态", "应为 启用 或 停用"))
    for column, limit in (("建议替换", 200), ("法律依据", 300)):
        if len(cells.get(column, "")) > limit:
            row.errors.append((column, f"不能超过 {limit} 字"))
    row.values = {
        "term": word, "category": category, "severity": severity, "is_active": active,
        "suggestion": cells.get("建议替换", "").strip(), "basis": cells.get("法律依据", "").strip(),
    }  # fmt: skip
    return row


def validate(table: Table, *, organisation: Organisation) -> Preview:
    """Every row checked against the lexicon as it is now and against earlier rows."""
    missing = missing_headers(table, REQUIRED)
    if missing:
        return Preview([], [f"缺少列：{'、'.join(missing)}（第一行应为列名）"])
    existing = {t.key: t for t in Term.objects.filter(organisation=organisation)}
    allowed = set(
        WhitelistEntry.objects.filter(organisation=organisation, is_active=True).values_list(
            "key", flat=True
        )
    )
    seen: dict[str, int] = {}
    rows = []
    for offset, cells in enumerate(table.rows):
        if not cells:
            continue
        row = _row(table.first_row + offset, cells)
        key = rules.normalise(row.values["term"])
        if key and key in seen:
            row.errors.append(("词语", f"与第 {seen[key]} 行重复"))
        elif key in allowed:
            row.errors.append(("词语", "在白名单中，加入词库也不会生效"))
        seen.setdefault(key, row.number)
        row.existing = existing.get(key)
        rows.append(row)
    return Preview(rows, [] if rows else ["文件中没有数据行"])


def _apply(row: Row, organisation: Organisation) -> bool:
    """Write one clean row; True when it created a term."""
    term = row.existing or Term(organisation=organisation)
    for name, value in row.values.items():
        setattr(term, name, value)
    term.key = rules.normalise(term.term)
    term.save()
    return row.existing is None


def confirm_import(table: Table, *, by: Any, organisation: Organisation, filename: str) -> Preview:
    """Validate again and write every row in one transaction, or nothing (ImportRejected)."""
    services.require_manage(by, organisation)
    with transaction.atomic():
        head = services.locked_head(organisation)
        preview = validate(table, organisation=organisation)
        if not preview.ok:
            raise ImportRejected(preview)
        created = sum(_apply(row, organisation) for row in preview.rows)
        version = services.bump(head)
        audit.record(
            actor=by,
            action="compliance.import",
            target=Lexicon.objects.get(pk=head.pk),
            changes={
                "file": filename, "created": created, "updated": len(preview.rows) - created,
                "terms": [r.values["term"] for r in preview.rows[:200]], "version": version,
            },
        )  # fmt: skip
    return preview
