"""Daily figures ingestion: account daily figures (累积关注/新关注/取消关注/净增, 分渠道阅读) and
mini-program daily figures (访问人数/访问次数/新用户/人均停留/购买人数), behind the same batch flow as
snapshots (upload → mapping → preview → confirm, the background job, the CLI) and
`POST /api/v1/metrics/account-daily`.

Rows are keyed by (account, date): a row whose figures equal the stored day changes nothing
(so the same file again adds nothing); a different one replaces the figures it reports, and
figures it leaves blank keep their stored values. 净增关注人数 is checked against 新关注 − 取消关注,
never stored (it is derived). After account figures change, the posts published after those
days get their 发布时粉丝数 recomputed (aggregates.refresh_followers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from mediadesk.analytics import aggregates, services
from mediadesk.analytics.models import AccountDaily, ImportKind, MiniProgramDaily
from mediadesk.analytics.presets import FIELDS_OF
from mediadesk.analytics.services import Cancelled, CellError, Context, RawRow, Report
from mediadesk.matrix.models import Account

MODEL_OF: dict[str, type[models.Model]] = {
    ImportKind.ACCOUNT_DAILY: AccountDaily,
    ImportKind.MINI_PROGRAM_DAILY: MiniProgramDaily,
}


@dataclass(slots=True)
class DailyRow:
    """A valid daily row: its account, date and the figures it reports."""

    number: int
    account_id: int
    date: dt.date
    values: dict[str, Any]
    match: str  # new / existing
    new_key: None = None


def figures_of(kind: str) -> tuple[str, ...]:
    """The stored figure fields of a kind (not account/date, not the checked 净增)."""
    return tuple(
        name
        for name, (_, k) in FIELDS_OF[kind].items()
        if name not in ("account", "date") and k != "signed"
    )


# ------------------------------------------------------------------ cells


def parse_date(value: Any) -> dt.date | None:
    """A date cell ("2024-05-01", "2024/5/1", "2024年5月1日", a spreadsheet date)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    parsed = services.parse_time(value)
    return timezone.localtime(parsed).date() if parsed is not None else None


def parse_signed(value: Any) -> int | None:
    """A whole number that may be negative (净增 can be)."""
    if services.is_blank(value):
        return None
    number = services.parse_number(value)
    if number != number.to_integral_value():
        raise CellError(gettext("“%(value)s”应为整数") % {"value": value})
    if abs(number) > services.MAX_COUNT:
        raise CellError(gettext("数值过大"))
    return int(number)


def parse_by_header(value: Any) -> dict[str, int]:
    """{渠道: 次数} from the columns mapped to one field (blank cells left out)."""
    if not isinstance(value, dict):
        raise CellError(gettext("应为 {渠道: 次数}"))
    out: dict[str, int] = {}
    for key, cell in value.items():
        try:
            count = services.parse_count(cell)
        except CellError as exc:
            raise CellError(f"“{key}”：{exc}") from None
        if count is not None:
            out[str(key)[:40]] = count
    return out


READERS: dict[str, Callable[[Any], Any]] = {
    "date": parse_date, "count": services.parse_count, "seconds": services.parse_seconds,
    "signed": parse_signed, "by_header": parse_by_header,
}  # fmt: skip


# ------------------------------------------------------------------ validation


class _Lookups:
    """The accounts the user may import for, and the rows already seen in this run."""

    def __init__(self, ctx: Context) -> None:
        allowed = services.importable_accounts(ctx.user, ctx.organisation, ctx.platform)
        self.accounts = {a.pk: a for a in allowed}
        self.named: dict[str, list[Account]] = {}
        for a in allowed:
            for key in {a.name, a.platform_account_id} - {""}:
                self.named.setdefault(key, []).append(a)
        self.seen: dict[tuple[int, dt.date], int] = {}

    def account(self, value: Any, ctx: Context) -> Account | None:
        """The row's account: by id (API), name or platform account id; else the batch's."""
        if isinstance(value, int):
            return self.accounts.get(value)
        if services.is_blank(value):
            return ctx.batch.account
        found = self.named.get(str(value).strip(), [])
        return found[0] if len(found) == 1 else None


def _parse(raw: RawRow, kind: str, ctx: Context, report: Report) -> dict[str, Any] | None:
    parsed: dict[str, Any] = {}
    ok = True
    for name, value in raw.values.items():
        reader = READERS.get(FIELDS_OF[kind].get(name, ("", ""))[1])
        if reader is None:
            parsed[name] = value
            continue
        try:
            parsed[name] = reader(value)
        except CellError as exc:
            report.errors.append((raw.number, ctx.column(name), str(exc)))
            ok = False
    return parsed if ok else None


def _check(raw: RawRow, kind: str, ctx: Context, look: _Lookups, report: Report) -> DailyRow | None:
    """A row's account, date and figures, or None with its errors reported."""
    parsed = _parse(raw, kind, ctx, report)
    if parsed is None:
        return None
    account = look.account(parsed.pop("account", ""), ctx)
    problem = _problem(parsed, account, kind, ctx)
    if problem:
        report.errors.append((raw.number, *problem))
        return None
    assert account is not None
    key = (account.pk, parsed["date"])
    if key in look.seen:
        report.errors.append(
            (
                raw.number,
                "—",
                gettext("与第 %(n)s 行重复（同一账号、同一日期）") % {"n": look.seen[key]},
            )
        )
        return None
    look.seen[key] = raw.number
    values = {n: parsed[n] for n in figures_of(kind) if parsed.get(n) not in (None, {})}
    return DailyRow(raw.number, account.pk, parsed["date"], values, "new")


def _problem(
    parsed: dict[str, Any], account: Account | None, kind: str, ctx: Context
) -> tuple[str, str] | None:
    """(column, reason) of the first thing that makes the row unusable."""
    if account is None:
        return ctx.column("account"), gettext(
            "找不到该账号，或没有该账号的导入权限（上传时选择账号，或提供“账号”列）"
        )
    if parsed.get("date") is None:
        return ctx.column("date"), gettext("缺少日期")
    if parsed["date"] > timezone.localdate():
        return ctx.column("date"), gettext("日期不能晚于今天")
    if not any(parsed.get(n) not in (None, {}) for n in figures_of(kind)):
        return "—", gettext("没有任何指标数据")
    new, cancelled, net = (
        parsed.get(n) for n in ("new_followers", "cancelled_followers", "net_gain")
    )
    if net is not None and new is not None and cancelled is not None and net != new - cancelled:
        return ctx.column("net_gain"), gettext(
            "应等于 新关注 − 取消关注（%(new)s − %(cancelled)s = %(net)s）"
        ) % {"new": new, "cancelled": cancelled, "net": new - cancelled}
    return None


def validate(
    kind: str,
    rows: Iterable[RawRow],
    ctx: Context,
    *,
    on_progress: Callable[[int], bool] | None = None,
) -> Report:
    """Parse and check every row (nothing written); rows are marked new or existing."""
    look, report = _Lookups(ctx), Report()
    for chunk in aggregates.chunks(rows, 1000):
        checked = [row for raw in chunk if (row := _check(raw, kind, ctx, look, report))]
        existing = _stored(kind, checked)
        for row in checked:
            row.match = "existing" if (row.account_id, row.date) in existing else "new"
        report.rows.extend(checked)
        report.total += len(chunk)
        if on_progress is not None and on_progress(report.total) is False:
            raise Cancelled
    report.errors.sort()
    return report


def _stored(kind: str, rows: list[DailyRow]) -> dict[tuple[int, dt.date], Any]:
    """The stored days of the rows' accounts and dates, by (account id, date)."""
    if not rows:
        return {}
    found = MODEL_OF[kind]._default_manager.filter(
        account_id__in={r.account_id for r in rows}, date__in={r.date for r in rows}
    )
    return {(d.account_id, d.date): d for d in found}  # type: ignore[attr-defined]


# ------------------------------------------------------------------ writing


def write(kind: str, report: Report, ctx: Context) -> Report:
    """Write the report's valid rows in one transaction (insert new days, update changed ones)
    and record the batch's outcome with one audit entry."""
    services.require_import(ctx.user)
    with transaction.atomic():
        changed_from: dict[int, dt.date] = {}
        for chunk in aggregates.chunks(report.rows, 1000):
            for row in _write_chunk(kind, chunk, ctx, report):
                first = changed_from.get(row.account_id)
                changed_from[row.account_id] = min(first or row.date, row.date)
        if kind == ImportKind.ACCOUNT_DAILY and changed_from:
            aggregates.refresh_followers(changed_from)
        services.finish(report, ctx)
    return report


def _write_chunk(kind: str, chunk: list[DailyRow], ctx: Context, report: Report) -> list[DailyRow]:
    """Insert and update one chunk's days; returns the rows that changed something."""
    model = MODEL_OF[kind]
    stored = _stored(kind, chunk)
    create, update, changed = [], [], []
    for row in chunk:
        day = stored.get((row.account_id, row.date))
        values = dict(row.values)
        if day is not None and "reads_by_source" in values:
            values["reads_by_source"] = {**day.reads_by_source, **values["reads_by_source"]}
        if day is None:
            create.append(model(account_id=row.account_id, organisation_id=ctx.organisation.pk,
                                date=row.date, source=ctx.batch.source, **values))  # fmt: skip
        elif all(getattr(day, n) == v for n, v in values.items()):
            report.unchanged += 1
            continue
        else:
            for name, value in values.items():
                setattr(day, name, value)
            day.source = ctx.batch.source
            update.append(day)
        changed.append(row)
    model._default_manager.bulk_create(create, batch_size=500)
    model._default_manager.bulk_update(update, [*figures_of(kind), "source"], batch_size=500)
    report.created += len(create)
    report.updated += len(update)
    return changed
