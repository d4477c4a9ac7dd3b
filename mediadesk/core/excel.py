"""Excel and CSV in and out: Chinese offices live in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> bytes:
    """An .xlsx with a bold, frozen header row and sensible column widths."""
    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(v or "")) + 2))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, list | dict | Promise):  # Promise: a lazily translated label
        return str(value)
    return value


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(workbook(headers, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@dataclass
class Table:
    headers: list[str]
    rows: list[dict[str, str]]  # header -> cell text, for each data row
    first_row: int = 2  # the spreadsheet row number of rows[0]


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (which covers GBK/GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV，或 Excel 文件")
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return (
            value.strftime("%Y-%m-%d")
            if not hasattr(value, "hour") or value.hour == 0
            else str(value)
        )
    return str(value).strip()


def read_table(upload: Any, *, max_rows: int = 50_000) -> Table:
    """Read the first sheet of an .xlsx or a .csv into header-keyed rows, skipping blank rows."""
    size = getattr(upload, "size", 0) or 0
    if size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("文件过大：导入文件不能超过 %(IMPORT_MAX_BYTES_1024_1024)s MB")
            % {"IMPORT_MAX_BYTES_1024_1024": settings.IMPORT_MAX_BYTES // 1024 // 1024}
        )
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationError(_("无法读取 Excel 文件：请确认是 .xlsx 格式且未加密")) from None
        ws = wb.worksheets[0]
        matrix = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
    elif name.endswith(".csv") or name.endswith(".txt"):
        matrix = [[c.strip() for c in row] for row in csv.reader(io.StringIO(decode_csv(data)))]
    else:
        raise ValidationError(_("只支持 .xlsx 或 .csv 文件"))
    while matrix and not any(matrix[0]):
        matrix.pop(0)
    if not matrix:
        raise ValidationError(_("文件是空的"))
    headers = [h.strip() for h in matrix[0]]
    rows: list[dict[str, str]] = []
    for cells in matrix[1:]:
        if not any(cells):
            rows.append({})
            continue
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h})
    while rows and not rows[-1]:
        rows.pop()
    if len(rows) > max_rows:
        raise ValidationError(_("行数过多：一次最多导入 %(max_rows)s 行") % {"max_rows": max_rows})
    return Table(headers=headers, rows=rows)


def missing_headers(table: Table, required: Iterable[str]) -> list[str]:
    return [h for h in required if h not in table.headers]
