"""Excel and CSV in and out: Chinese offices live in Excel."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """User text that a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> Any:
    """Every export cell passes here: datetimes made local, user text never a live formula."""
    if isinstance(value, str):
        return safe_text(value)
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


MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000


def _refuse_zip_bomb(data: bytes) -> None:
    """An .xlsx is a zip: refuse one that would unpack past IMPORT_MAX_UNPACKED_BYTES."""
    limit = getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValidationError(_("无法读取 Excel 文件：请确认是 .xlsx 格式且未加密")) from None
    if unpacked > limit:
        raise ValidationError(
            _("文件解压后过大（超过 %(mb)s MB），请拆分后导入") % {"mb": limit // 1024 // 1024}
        )


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    _refuse_zip_bomb(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationError(_("无法读取 Excel 文件：请确认是 .xlsx 格式且未加密")) from None
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield [_text(v) for v in row[: MAX_COLUMNS + 1]]
    finally:
        wb.close()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for row in csv.reader(io.StringIO(decode_csv(data))):
        yield [c.strip() for c in row[: MAX_COLUMNS + 1]]


def _checked(cells: list[str]) -> list[str]:
    """Refuse a row past the column or cell-length caps; trailing empty cells do not count."""
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise ValidationError(_("列数过多：最多 %(n)s 列") % {"n": MAX_COLUMNS})
    if any(len(c) > MAX_CELL_CHARS for c in cells):
        raise ValidationError(
            _("单元格内容过长：每个单元格最多 %(n)s 个字符") % {"n": MAX_CELL_CHARS}
        )
    return cells


def read_table(upload: Any, *, max_rows: int = 50_000) -> Table:
    """Read the first sheet of an .xlsx or a .csv into header-keyed rows, skipping blank rows.

    Rows are read lazily and reading stops at the first cap passed (rows, blank rows, columns,
    cell length, unpacked size), so a zip bomb or a file of newlines is refused, never held.
    """
    size = getattr(upload, "size", 0) or 0
    if size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("文件过大：导入文件不能超过 %(IMPORT_MAX_BYTES_1024_1024)s MB")
            % {"IMPORT_MAX_BYTES_1024_1024": settings.IMPORT_MAX_BYTES // 1024 // 1024}
        )
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    source: Iterator[list[str]]
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        source = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        source = _csv_rows(data)
    else:
        raise ValidationError(_("只支持 .xlsx 或 .csv 文件"))
    return _collect(source, max_rows)


def _collect(source: Iterator[list[str]], max_rows: int) -> Table:
    headers: list[str] | None = None
    rows: list[dict[str, str]] = []
    blanks = pending = 0  # blank rows seen in all, blank rows not yet followed by data
    for raw in source:
        cells = _checked(raw)
        if not any(cells):
            blanks += 1
            pending += 1 if headers is not None else 0
            if blanks > max_rows:
                raise ValidationError(
                    _("行数过多：一次最多导入 %(max_rows)s 行") % {"max_rows": max_rows}
                )
            continue
        if headers is None:
            headers = [h.strip() for h in cells]
            continue
        rows.extend({} for _ in range(pending))
        pending = 0
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h})
        if len(rows) > max_rows:
            raise ValidationError(
                _("行数过多：一次最多导入 %(max_rows)s 行") % {"max_rows": max_rows}
            )
    if headers is None:
        raise ValidationError(_("文件是空的"))
    return Table(headers=headers, rows=rows)


def missing_headers(table: Table, required: Iterable[str]) -> list[str]:
    return [h for h in required if h not in table.headers]
