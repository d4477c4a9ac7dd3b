"""Lead import from Excel/CSV (UTF-8 or GB18030): parse, validate every row, preview,
confirm all or nothing in one transaction through services.capture_lead (the house pattern
of matrix/imports.py; the parsed upload waits in the same stash between the two steps)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from mediadesk.core import audit, phone
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.excel import Table, missing_headers, read_table
from mediadesk.leads import services
from mediadesk.leads.models import Channel, Customer, Source, Touch
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

# The template's fixed Chinese columns (and the source words below) stay Chinese in either
# language: files made from it are read the same whoever uploads them.
HEADERS = ("手机号", "姓名", "来源", "渠道", "留资时间", "备注")
REQUIRED = ("手机号",)
MAX_ROWS = 5000
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")


@dataclass
class Row:
    """One data row: its cells, resolved values and problems."""

    number: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    known: bool = False  # the phone is an existing customer: the row adds a touch

    def error(self, column: str, message: str) -> None:
        self.errors.append(
            _("第 %(n)s 行「%(column)s」：%(message)s")
            % {"n": self.number, "column": column, "message": message}
        )

    @property
    def masked_phone(self) -> str:
        return phone.mask(self.values.get("phone", "")) if self.values.get("phone") else ""


@dataclass
class Preview:
    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not self.error_rows

    @property
    def messages(self) -> list[str]:
        return self.problems + [m for r in self.error_rows for m in r.errors]


class ImportRejected(Exception):
    """Nothing was written; `preview` names every bad row."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("；".join(preview.messages))
        self.preview = preview


def read_upload(upload: Any) -> Table:
    return read_table(upload, max_rows=MAX_ROWS)


def _parse_time(text: str) -> dt.datetime | None:
    for fmt in TIME_FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text.strip(), fmt))
        except ValueError:
            continue
    return None


def _sources() -> dict[str, str]:
    """Source codes and their Chinese labels: the template's words, whatever the language."""
    words = {value: value for value in Source.values}
    with translation.override(settings.LANGUAGE_CODE):
        words.update({str(label): value for value, label in Source.choices})
    return words


def _check_row(row: Row, look: dict[str, Any], seen: dict[str, int]) -> None:
    raw = row.cells.get("手机号", "")
    digits = phone.normalise(raw)
    if not raw:
        row.error("手机号", _("必填"))
    elif not phone.MOBILE.match(digits):
        row.error("手机号", _("“%(raw)s”不是有效的 11 位大陆手机号") % {"raw": raw})
    elif digits in seen:
        row.error("手机号", _("与第 %(n)s 行重复") % {"n": seen[digits]})
    else:
        seen[digits] = row.number
        row.known = digits in look["known"]
    row.values["phone"] = digits
    row.values["name"] = row.cells.get("姓名", "")[:40]
    source_text = row.cells.get("来源", "")
    row.values["source"] = look["sources"].get(source_text) if source_text else look["source"]
    if row.values["source"] is None:
        row.error(
            "来源", _("未知来源“%(text)s”（如 直播、线下活动、电约）") % {"text": source_text}
        )
    channel_text = row.cells.get("渠道", "")
    row.values["channel"] = look["channels"].get(channel_text) if channel_text else None
    if channel_text and row.values["channel"] is None:
        row.error("渠道", _("找不到渠道“%(text)s”") % {"text": channel_text})
    time_text = row.cells.get("留资时间", "")
    row.values["captured_at"] = _parse_time(time_text) if time_text else None
    if time_text and row.values["captured_at"] is None:
        row.error(
            "留资时间", _("“%(text)s”不是有效时间（如 2025-03-01 14:30）") % {"text": time_text}
        )
    elif row.values["captured_at"] and row.values["captured_at"] > timezone.now():
        row.error("留资时间", _("不能晚于现在"))
    row.values["note"] = row.cells.get("备注", "")


def validate(table: Table, *, project: Project, source: str) -> Preview:
    """Check every row against the current database; writes nothing."""
    problems = [
        _("缺少必需的列「%(column)s」") % {"column": h} for h in missing_headers(table, REQUIRED)
    ]
    unknown = [h for h in table.headers if h and h not in HEADERS]
    if unknown:
        problems.append(
            _("无法识别的列：%(columns)s（请使用导入模板的列名）") % {"columns": "、".join(unknown)}
        )
    phones = {phone.normalise(r.get("手机号", "")) for r in table.rows} - {""}
    look = {
        "known": set(
            Customer.objects.filter(
                organisation_id=project.organisation_id, phone__in=phones
            ).values_list("phone", flat=True)
        ),
        "sources": _sources(),
        "source": source,
        "channels": {
            c.name: c for c in Channel.objects.filter(organisation_id=project.organisation_id)
        },
    }
    seen: dict[str, int] = {}
    rows = []
    for index, cells in enumerate(table.rows):
        if not any(cells.values()):
            continue
        row = Row(number=table.first_row + index, cells=cells)
        _check_row(row, look, seen)
        rows.append(row)
    if not rows and not problems:
        problems.append(_("文件中没有数据行"))
    return Preview(rows, problems)


@transaction.atomic
def confirm_import(
    table: Table, *, by: Any, project: Project, source: str, filename: str = ""
) -> list[Touch]:
    """Re-validate and capture every row, all or nothing (leads.import in the project)."""
    if not services.in_project(by, Perm.LEADS_IMPORT, project):
        raise PermissionDenied(_("没有在该项目导入线索的权限"))
    preview = validate(table, project=project, source=source)
    if not preview.ok:
        raise ImportRejected(preview)
    touches = []
    for row in preview.rows:
        try:
            touches.append(
                services.capture_lead(
                    organisation=project.organisation, project=project, by=by, **row.values
                )
            )
        except (ValidationError, PermissionDenied) as exc:
            row.error("手机号", " ".join(getattr(exc, "messages", [str(exc)])))
            raise ImportRejected(preview) from exc
    audit.record(
        actor=by,
        action="lead.import",
        target=project,
        changes={"file": [None, filename], "rows": [None, len(touches)]},
    )
    return touches


def template_bytes() -> bytes:
    """The import template with one example row."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "线索"
    ws.append(list(HEADERS))
    ws.append(["13800138000", "张先生", "线下活动", "", "2025-03-01 14:30", "周末暖场活动"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
