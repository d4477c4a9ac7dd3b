"""Metric imports from files: streaming CSV/XLSX reading, column mapping with presets, and the
batch lifecycle (upload → mapping → preview → confirm → done/cancelled) shared by the pages,
the background job and the CLI. The ingestion rules themselves live in services.py (post
snapshots) and daily.py (account and mini-program daily figures); a batch's `kind` picks one.

Cancelling: validation (the long part: parsing and matching) runs in chunks outside any
write transaction and checks the batch's cancel flag after every chunk. Writing happens
only afterwards, in ONE transaction, after a compare-and-set moves the batch to "writing";
a cancel that arrived first wins, a cancel during writing is refused. So a cancelled import
has written nothing, and no half-written state is ever visible (SQLite allows one writer, so
chunked commits with a final swap would not let the cancel click through any sooner).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from mediadesk.analytics import daily, presets, services
from mediadesk.analytics.models import ImportBatch, ImportKind, ImportPreset
from mediadesk.analytics.services import Cancelled, Context, RawRow, Report
from mediadesk.core import audit
from mediadesk.core.errors import Conflict, PermissionDenied
from mediadesk.core.excel import decode_csv
from mediadesk.matrix.models import Account, Platform

MAX_BYTES = 100 * 1024 * 1024
SYNC_ROWS = 2000  # larger files are validated and imported by the background worker
REPORT_LIMIT = 2000  # errors/fuzzy matches kept on the batch for the preview
Status = ImportBatch.Status


# ------------------------------------------------------------------ reading files


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def iter_table(data: bytes, name: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row and a lazy iterator of (spreadsheet row number, cells) of the non-blank
    data rows of a .csv (UTF-8 or GB18030) or the first sheet of an .xlsx."""
    if data[:2] == b"PK" or name.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.lower().endswith((".csv", ".txt")):
        rows = ([c.strip() for c in r] for r in csv.reader(io.StringIO(decode_csv(data))))
    else:
        raise ValidationError(gettext("只支持 .xlsx 或 .csv 文件"))
    numbered = ((n, cells) for n, cells in enumerate(rows, start=1) if any(c != "" for c in cells))
    first = next(numbered, None)
    if first is None:
        raise ValidationError(gettext("文件是空的"))
    headers = [str(h).strip() for h in first[1]]
    return headers, numbered


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationError(gettext("无法读取 Excel 文件：请确认是 .xlsx 格式且未加密")) from None
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        wb.close()


def raw_rows(
    headers: list[str], rows: Iterator[tuple[int, list[Any]]], mapping: dict[str, str]
) -> Iterator[RawRow]:
    """Rows as field → value through the mapping; "extra" columns are kept as text."""
    columns = [(i, h, mapping.get(h, presets.IGNORE)) for i, h in enumerate(headers)]
    columns = [c for c in columns if c[2]]
    for number, cells in rows:
        values: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for index, header, name in columns:
            value = cells[index] if index < len(cells) else ""
            if name == "extra":
                if value != "":
                    extra[header] = str(value)[:200]
            elif name in presets.BY_HEADER:  # one figure per column, keyed by its header
                values.setdefault(name, {})[header] = value
            elif values.get(name, "") == "":
                values[name] = value
        yield RawRow(number, values, extra)


def columns_of(mapping: dict[str, str]) -> dict[str, str]:
    """field → the first column header mapped to it (for error messages)."""
    out: dict[str, str] = {}
    for header, name in mapping.items():
        if name:
            out.setdefault(name, header)
    return out


def check_mapping(mapping: dict[str, str], kind: str = ImportKind.SNAPSHOTS) -> list[str]:
    """Problems of a mapping that make every row fail (shown on the mapping page)."""
    fields = presets.FIELDS_OF[kind]
    problems = [
        gettext("未知字段“%(v)s”") % {"v": v} for v in mapping.values() if v and v not in fields
    ]
    mapped = set(mapping.values())
    if kind != ImportKind.SNAPSHOTS:
        if "date" not in mapped:
            problems.append(gettext("必须映射“日期”列"))
        if not mapped & set(daily.figures_of(kind)):
            problems.append(gettext("至少要映射一列指标数据"))
        return problems
    if not mapped & set(presets.MATCH_FIELDS):
        problems.append(gettext("至少要映射一列用于识别发布：发布ID、平台内容ID、内容链接或标题"))
    if not mapped & {*services.FIGURES, "extra"}:
        problems.append(gettext("至少要映射一列指标数据（如 阅读、播放、点赞）"))
    return problems


# ------------------------------------------------------------------ batch lifecycle


def upload(
    data: bytes,
    *,
    filename: str,
    by: Any,
    platform: Platform,
    account: Account | None = None,
    as_of: dt.datetime | None = None,
    kind: str = ImportKind.SNAPSHOTS,
) -> ImportBatch:
    """Store an uploaded file as a new batch of `kind` with the best-fitting preset's mapping."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            gettext("文件过大：不能超过 %(mb)s MB") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    headers, rows = iter_table(data, filename)
    total = sum(1 for _ in rows)
    if not total:
        raise ValidationError(gettext("文件中没有数据行"))
    preset = presets.guess(headers, platform.code, kind)
    batch = services.start_batch(
        by=by, platform=platform, account=account, as_of=as_of, filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(), total_rows=total, preset=preset.name,
        mapping=presets.apply(preset.mapping, headers, kind), kind=kind,
    )  # fmt: skip
    batch.file.save(f"{batch.pk}-{Path(filename).suffix or '.csv'}", ContentFile(data), save=True)
    return batch


def headers_of(batch: ImportBatch) -> list[str]:
    """The batch file's header row."""
    return iter_table(_data(batch), batch.filename)[0]


def sample_rows(batch: ImportBatch, count: int = 3) -> list[list[Any]]:
    """The first data rows of the batch file (shown on the mapping page)."""
    _, rows = iter_table(_data(batch), batch.filename)
    return [cells for _, cells in itertools.islice(rows, count)]


def _data(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def set_mapping(
    batch: ImportBatch, *, by: Any, mapping: dict[str, str], save_as: str = "", preset: str = ""
) -> ImportBatch:
    """Set the batch's column mapping (optionally saved as a named preset)."""
    _require_owner(batch, by)
    problems = check_mapping(mapping, batch.kind)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        if save_as:
            save_preset(by=by, name=save_as, platform=batch.platform, mapping=mapping)
        updated = ImportBatch.objects.filter(
            pk=batch.pk, status__in=[Status.UPLOADED, Status.VALIDATED]
        ).update(mapping=mapping, preset=(save_as or preset)[:60], status=Status.UPLOADED)
        if not updated:
            raise Conflict(gettext("导入已开始或已结束，不能再修改列映射"))
    batch.refresh_from_db()
    return batch


def save_preset(*, by: Any, name: str, platform: Platform, mapping: dict[str, str]) -> ImportPreset:
    """Save (or overwrite) an organisation's named column mapping."""
    services.require_import(by)
    name = name.strip()[:60]
    if not name or name in {p.name for p in presets.BUILTIN.values()}:
        raise ValidationError({"save_as": gettext("请填写与内置预设不同的预设名称")})
    preset, _ = ImportPreset.objects.update_or_create(
        organisation=by.organisation,
        name=name,
        defaults={"platform": platform, "mapping": mapping, "created_by": by},
    )
    audit.record(actor=by, action="metrics.preset", target=preset, changes={"name": [None, name]})
    return preset


def presets_for(batch: ImportBatch) -> list[tuple[str, str, dict[str, str]]]:
    """(key, name, mapping) of the built-in and saved presets offered for the batch."""
    builtin = presets.builtin_for(batch.platform.code, batch.kind)
    out = [(f"builtin:{p.code}", p.name, p.mapping) for p in builtin]
    saved = ImportPreset.objects.filter(organisation=batch.organisation, platform=batch.platform)
    out += [
        (f"saved:{p.pk}", p.name, p.mapping) for p in saved if presets.fits(p.mapping, batch.kind)
    ]
    return out


def _require_owner(batch: ImportBatch, user: Any) -> None:
    services.require_import(user)
    if batch.created_by_id != user.pk:
        raise PermissionDenied(gettext("只能操作自己发起的导入"))


def context(batch: ImportBatch, *, accept_fuzzy: bool | dict[int, int] | None = None) -> Context:
    """The ingestion context of a batch, acting as the user who started it."""
    accepted = {int(k): int(v) for k, v in batch.accepted_fuzzy.items()}
    return Context(
        user=batch.created_by,
        batch=batch,
        columns=columns_of(batch.mapping),
        accept_fuzzy=accepted if accept_fuzzy is None else accept_fuzzy,
    )


def _rows_of(batch: ImportBatch) -> Iterator[RawRow]:
    headers, rows = iter_table(_data(batch), batch.filename)
    return raw_rows(headers, rows, batch.mapping)


def _validate(batch: ImportBatch, ctx: Context, on_progress: Any) -> Report:
    """Validate the batch's rows with the engine of its kind."""
    if batch.kind == ImportKind.SNAPSHOTS:
        return services.validate(_rows_of(batch), ctx, on_progress=on_progress)
    return daily.validate(batch.kind, _rows_of(batch), ctx, on_progress=on_progress)


def _write(batch: ImportBatch, report: Report, ctx: Context) -> Report:
    if batch.kind == ImportKind.SNAPSHOTS:
        return services.write(report, ctx)
    return daily.write(batch.kind, report, ctx)


def _progress(batch: ImportBatch, start: int, span: int) -> Any:
    """A validate() callback: stores the progress, returns False once cancel is requested."""
    total = max(batch.total_rows, 1)

    def report(done: int) -> bool:
        percent = start + span * min(done, total) // total
        ImportBatch.objects.filter(pk=batch.pk).update(progress=percent)
        return not ImportBatch.objects.filter(pk=batch.pk, cancel_requested=True).exists()

    return report


def _transition(batch: ImportBatch, frm: Sequence[str], to: str, **values: Any) -> bool:
    """Compare-and-set the batch status; False when it was not in `frm` or cancel is asked."""
    done = ImportBatch.objects.filter(pk=batch.pk, status__in=frm, cancel_requested=False).update(
        status=to, **values
    )
    batch.refresh_from_db()
    return bool(done)


def _stop(batch: ImportBatch, status: str, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=Status.DONE).update(
        status=status, message=message[:300], finished_at=timezone.now()
    )
    batch.refresh_from_db()


def _store(batch: ImportBatch, report: Report) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.VALIDATED,
        progress=100,
        rejected=report.rejected_rows,
        fuzzy=len(report.fuzzy),
        report=summary(report),
    )
    batch.refresh_from_db()


def summary(report: Report) -> dict[str, Any]:
    """The JSON-able preview of a validation report (lists capped at REPORT_LIMIT)."""
    matched: dict[str, int] = {}
    for row in report.rows:
        matched[row.match] = matched.get(row.match, 0) + 1
    return {
        "total": report.total,
        "valid": len(report.rows),
        "new_posts": report.new_posts,
        "matched": matched,
        "errors": [list(e) for e in report.errors[:REPORT_LIMIT]],
        "error_count": len(report.errors),
        "fuzzy": [list(f) for f in report.fuzzy[:REPORT_LIMIT]],
    }


PREVIEWABLE = [Status.UPLOADED, Status.VALIDATED, Status.VALIDATING]


def queue_preview(batch: ImportBatch) -> None:
    """Mark a batch as being validated (so its page shows the progress bar at once) and hand
    it to the worker."""
    from mediadesk.analytics import tasks

    if _transition(batch, [Status.UPLOADED, Status.VALIDATED], Status.VALIDATING, progress=0):
        transaction.on_commit(lambda: tasks.validate_import.enqueue(batch.pk))


def queue_import(batch: ImportBatch) -> None:
    """Hand a confirmed batch to the worker."""
    from mediadesk.analytics import tasks

    transaction.on_commit(lambda: tasks.run_import.enqueue(batch.pk))


def preview(batch: ImportBatch) -> Report | None:
    """Validate the batch's file (nothing written) and keep the report on the batch; None when
    the batch was cancelled meanwhile."""
    if not _transition(batch, PREVIEWABLE, Status.VALIDATING, progress=0):
        if batch.cancel_requested:
            _stop(batch, Status.CANCELLED, gettext("已取消"))
        return None
    try:
        report = _validate(batch, context(batch, accept_fuzzy=False), _progress(batch, 0, 100))
    except Cancelled:
        _stop(batch, Status.CANCELLED, gettext("已取消"))
        return None
    _store(batch, report)
    return report


def confirm(batch: ImportBatch, *, by: Any, accepted_fuzzy: dict[int, int]) -> None:
    """The user confirms the preview: remember which fuzzy matches they accepted and queue
    the import (the caller runs it now or in the worker)."""
    _require_owner(batch, by)
    offered = {row: post for row, post, _ in batch.report.get("fuzzy", [])}
    accepted = {str(r): p for r, p in accepted_fuzzy.items() if offered.get(r) == p}
    if not _transition(batch, [Status.VALIDATED], Status.IMPORTING, accepted_fuzzy=accepted,
                       progress=0):  # fmt: skip
        raise Conflict(gettext("该导入不在待确认状态（可能已取消或已导入）"))


def run(batch: ImportBatch) -> Report | None:
    """Import a confirmed batch: validate again (chunked, cancellable), then write every valid
    row in one transaction. None when cancelled (nothing written)."""
    ctx = context(batch)
    try:
        report = _validate(batch, ctx, _progress(batch, 0, 80))
    except Cancelled:
        _stop(batch, Status.CANCELLED, gettext("已取消，未写入任何数据"))
        return None
    if not _transition(batch, [Status.IMPORTING], Status.WRITING, progress=80):
        _stop(batch, Status.CANCELLED, gettext("已取消，未写入任何数据"))
        return None
    ImportBatch.objects.filter(pk=batch.pk).update(report=summary(report))
    try:
        return _write(batch, report, ctx)
    except Exception as exc:
        fail(batch.pk, gettext("写入失败，未写入任何数据：%(error)s") % {"error": exc})
        raise


def fail(batch_id: int, message: str) -> None:
    """Mark a batch failed (an unexpected error in the worker)."""
    ImportBatch.objects.filter(pk=batch_id).exclude(status=Status.DONE).update(
        status=Status.FAILED, message=message[:300], finished_at=timezone.now()
    )


def cancel(batch: ImportBatch, *, by: Any) -> None:
    """Cancel an import that has not started writing; a running job stops at its next chunk."""
    _require_owner(batch, by)
    idle = [Status.UPLOADED, Status.VALIDATED]
    with transaction.atomic():
        stopped = ImportBatch.objects.filter(pk=batch.pk, status__in=idle).update(
            status=Status.CANCELLED, cancel_requested=True, message=gettext("已取消"),
            finished_at=timezone.now(),
        )  # fmt: skip
        running = [Status.VALIDATING, Status.IMPORTING]
        if not stopped and not ImportBatch.objects.filter(pk=batch.pk, status__in=running).update(
            cancel_requested=True
        ):
            raise Conflict(gettext("导入正在写入或已结束，无法取消"))
        audit.record(actor=by, action="metrics.cancel", target=batch)
    batch.refresh_from_db()


# ------------------------------------------------------------------ the template


TEMPLATE_COLUMNS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    ImportKind.SNAPSHOTS: (gettext_noop("数据快照"), presets.GENERIC_COLUMNS),
    ImportKind.ACCOUNT_DAILY: (gettext_noop("账号日数据"), presets.ACCOUNT_DAILY_COLUMNS),
    ImportKind.MINI_PROGRAM_DAILY: (gettext_noop("小程序日数据"), presets.MINI_DAILY_COLUMNS),
}


def template_bytes(kind: str = ImportKind.SNAPSHOTS) -> bytes:
    """The MediaDesk import template (.xlsx) of a kind, with a sheet explaining the columns."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    title, columns = TEMPLATE_COLUMNS[kind]
    ws.title = gettext(title)
    ws.append([header for header, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(gettext("填写说明"))
    notes.append([gettext("列"), gettext("说明")])
    for row in NOTES_OF[kind]:
        notes.append([row[0], gettext(row[1])])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


NOTES: tuple[tuple[str, str], ...] = (
    ("账号", gettext_noop("账号名称或平台账号ID；上传时已选择账号则可不填")),
    ("MediaDesk 发布ID / 平台内容ID / 内容链接 / 标题", gettext_noop("用于匹配发布，至少填一项；依次按 ID、链接、账号+标题+发布日期匹配，按标题匹配需在预览中确认；都匹配不到时新建“计划外”发布")),
    ("发布时间", gettext_noop("如 2024-05-01 20:00；新建计划外发布时必填")),
    ("统计时间", gettext_noop("数据的统计时刻；不填则取上传时的“数据截至”时间")),
    ("计数列", gettext_noop("整数，可写“1.2万”；不知道就留空（留空表示未知，不是 0）")),
    ("比率列", gettext_noop("如 45.2% 或 0.452")),
    ("平均播放时长(秒)", gettext_noop("秒数，如 15.2 或 0:15")),
)  # fmt: skip
DAILY_NOTES: tuple[tuple[str, str], ...] = (
    ("账号", gettext_noop("账号名称或平台账号ID；上传时已选择账号则可不填")),
    ("日期", gettext_noop("如 2024-05-01；同一账号同一日期重复导入时以新数据为准，数据相同则不变")),
    ("累积关注人数 / 新关注人数 / 取消关注人数", gettext_noop("整数；不知道就留空（留空表示未知，不是 0）")),
    ("净增关注人数", gettext_noop("可选，用于核对：应等于 新关注人数 − 取消关注人数")),
    ("xx阅读次数", gettext_noop("分渠道阅读次数：每个渠道一列，列名即渠道名，可增删列")),
)  # fmt: skip
MINI_NOTES: tuple[tuple[str, str], ...] = (
    ("账号", gettext_noop("小程序在账号矩阵中的名称；上传时已选择账号则可不填")),
    ("日期", gettext_noop("如 2024-05-01")),
    ("访问人数 / 访问次数 / 新用户数", gettext_noop("整数（微信 visit_uv / visit_pv / visit_uv_new）")),
    ("人均停留时长(秒)", gettext_noop("秒数，如 35.5")),
    ("购买人数", gettext_noop("来自项目自有订单/线索数据，不是微信统计")),
)  # fmt: skip
NOTES_OF: dict[str, tuple[tuple[str, str], ...]] = {ImportKind.SNAPSHOTS: NOTES, ImportKind.ACCOUNT_DAILY: DAILY_NOTES,
            ImportKind.MINI_PROGRAM_DAILY: MINI_NOTES}  # fmt: skip
