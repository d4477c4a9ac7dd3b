"""Import of the platform's live data export (抖音 / 视频号 presets, synonym headers).

Rows are matched to sessions by 场次ID, or by 账号 + 开播时间. Values like 1.2万, 3分20秒
and — are parsed; unknown columns are kept in `extra`. All or nothing: any bad row stops
the whole import with its row number, and re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mediadesk.core.excel import Table, read_table
from mediadesk.live import access, rules, services
from mediadesk.live.models import Session

COMMON = {
    "session": ("场次ID", "场次编号", "直播场次ID"),
    "account": ("账号", "账号名称", "直播账号", "抖音号名称"),
    "start": ("开播时间", "直播开始时间", "开始时间"),
    "viewers": ("观看人数", "累计观看人数", "场观人数", "total_audience_count", "watch_ucnt"),
    "views": ("观看人次", "观看次数", "直播间观看次数", "watch_cnt"),
    "peak_online": ("最高在线", "最高在线人数", "峰值在线", "人气峰值", "max_online_count"),
    "avg_online": ("平均在线", "平均在线人数"),
    "avg_watch_seconds": ("人均观看时长", "audiences_avg_seconds"),
    "new_followers": ("新增粉丝", "涨粉量", "新增关注", "new_follow_count"),
    "fan_club_joins": ("加入粉丝团", "加粉丝团人数", "加团人数"),
    "commenters": ("评论人数",),
    "comments": ("评论次数", "total_comment_count"),
    "likes": ("点赞", "点赞次数", "喝彩", "total_cheer_count"),
    "shares": ("分享", "分享次数", "forward_count"),
    "leads": ("留资", "留资数", "线索数", "全场景留资人数"),
}
PRESET_LABELS = (("douyin", _("抖音")), ("channels", _("视频号")))
FIELD_LABELS = (
    ("session", _("场次ID")),
    ("account", _("账号")),
    ("start", _("开播时间")),
    ("viewers", _("观看人数")),
    ("views", _("观看人次")),
    ("peak_online", _("最高在线")),
    ("avg_online", _("平均在线")),
    ("avg_watch_seconds", _("人均观看时长")),
    ("new_followers", _("新增粉丝")),
    ("fan_club_joins", _("加入粉丝团")),
    ("commenters", _("评论人数")),
    ("comments", _("评论次数")),
    ("likes", _("点赞")),
    ("shares", _("分享")),
    ("leads", _("留资")),
)
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {"douyin": COMMON, "channels": COMMON}
SECONDS = {"avg_watch_seconds"}


@dataclass
class Parsed:
    """A parsed import: the rows ready to write, or the errors (row → message)."""

    rows: list[tuple[Session, dict[str, int | None], dict[str, str]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def mapping_for(headers: list[str], preset: str = "douyin") -> dict[str, str]:
    """Header → field through the preset's synonym dictionary."""
    synonyms = PRESETS.get(preset, COMMON)
    out: dict[str, str] = {}
    for header in headers:
        for key, names in synonyms.items():
            if header.strip() in names and key not in out.values():
                out[header] = key
    return out


def _value(key: str, text: str) -> int | None:
    return rules.parse_seconds(text) if key in SECONDS else rules.parse_count(text)


def _session(
    user: Any, cells: Mapping[str, str], cache: dict[Any, Session | None]
) -> Session | None:
    if cells.get("session"):
        key: Any = ("id", cells["session"])
        if key not in cache:
            cache[key] = (
                access.visible_sessions(user).filter(pk=cells["session"]).first()
                if cells["session"].isdigit()
                else None
            )
        return cache[key]
    start = parse_datetime(cells.get("start", "").replace("/", "-"))
    if start is None or not cells.get("account"):
        return None
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    key = (cells["account"], start)
    if key not in cache:
        window = (start - dt.timedelta(hours=1), start + dt.timedelta(hours=1))
        qs = access.visible_sessions(user)
        cache[key] = qs.filter(account__name=cells["account"], planned_start__range=window).first()
    return cache[key]


LEAN = ("id", "organisation_id", "company_id", "project_id", "account_id", "title", "planned_start")


def _prefetch(user: Any, table: Table, mapping: Mapping[str, str]) -> dict[Any, Session | None]:
    """The sessions named by 场次ID, fetched in chunks (one query per 500 ids)."""
    column = next((h for h, k in mapping.items() if k == "session"), None)
    if column is None:
        return {}
    ids = sorted({r.get(column, "") for r in table.rows if r.get(column, "").isdigit()})
    cache: dict[Any, Session | None] = {("id", i): None for i in ids}
    for k in range(0, len(ids), 500):
        chunk = access.visible_sessions(user).filter(pk__in=ids[k : k + 500])
        for s in chunk.select_related(None).only(*LEAN):
            cache[("id", str(s.pk))] = s
    return cache


def parse(table: Table, *, user: Any, mapping: Mapping[str, str] | None = None) -> Parsed:
    """Validate every row (nothing is written)."""
    mapping = dict(mapping or mapping_for(table.headers))
    out = Parsed(unknown=[h for h in table.headers if h and h not in mapping])
    if "viewers" not in mapping.values():
        out.errors.append(gettext("缺少「观看人数」列"))
    if "session" not in mapping.values() and not {"account", "start"} <= set(mapping.values()):
        out.errors.append(gettext("缺少「场次ID」列，或「账号」和「开播时间」列"))
    if out.errors:
        return out
    cache: dict[Any, Session | None] = _prefetch(user, table, mapping)
    for n, row in enumerate(table.rows, start=table.first_row):
        if not row:
            continue
        cells = {mapping[h]: v for h, v in row.items() if h in mapping}
        session = _session(user, cells, cache)
        if session is None:
            out.errors.append(gettext("第 %(n)s 行：找不到对应的直播场次") % {"n": n})
            continue
        values: dict[str, int | None] = {}
        bad = []
        for key, text in cells.items():
            if key in ("session", "account", "start"):
                continue
            try:
                values[key] = _value(key, text)
            except ValueError:
                bad.append(gettext("「%(text)s」不是有效的数值") % {"text": text})
        problems = bad + list(rules.figure_errors(values).values())
        if problems:
            out.errors.append(gettext("第 %(n)s 行：") % {"n": n} + "；".join(problems))
            continue
        extra = {h: v for h, v in row.items() if h in out.unknown and v}
        out.rows.append((session, values, extra))
    return out


@transaction.atomic
def confirm(
    table: Table, *, user: Any, mapping: Mapping[str, str] | None = None, filename: str = ""
) -> int:
    """Write every row or none (bulk); returns the number of sessions whose figures changed.

    Several rows of one session: the last one wins. Unchanged figures are not rewritten, so
    importing the same file twice changes nothing the second time.
    """
    parsed = parse(table, user=user, mapping=mapping)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    latest: dict[int, tuple[Session, dict[str, int | None], dict[str, str]]] = {}
    for session, values, extra in parsed.rows:
        if not access.can_manage(user, session):
            raise ValidationError(
                gettext("没有管理直播场次「%(session)s」的权限") % {"session": session}
            )
        latest[session.pk] = (session, values, extra)
    return services.save_figures_bulk(list(latest.values()), by=user, filename=filename)


def read(upload: Any) -> Table:
    """Read an uploaded export (.xlsx or .csv in UTF-8/GB18030)."""
    return read_table(upload)
