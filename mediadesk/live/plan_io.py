"""Excel out and in of a month's live plan (直播计划).

The export carries each session's 场次ID so the same sheet can come back: a row with an ID
edits that session (title, type, times, guest, theme, anchors), a row without one creates a
session on the named account. Import is preview → confirm (core.imports stash) and all or
nothing: one bad row and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.core.excel import Table
from mediadesk.live import access, services, types
from mediadesk.live.models import Session

HEADERS = (
    ("id", gettext_lazy("场次ID")),
    ("account", gettext_lazy("账号")),
    ("title", gettext_lazy("标题")),
    ("type", gettext_lazy("类型")),
    ("start", gettext_lazy("开始")),
    ("end", gettext_lazy("结束")),
    ("anchors", gettext_lazy("主播")),
    ("guest", gettext_lazy("嘉宾")),
    ("theme", gettext_lazy("主题")),
    ("status", gettext_lazy("状态")),
)
# Header synonyms accepted on import (Chinese and English sheets both come back).
SYNONYMS = {
    "id": ("场次ID", "Session ID", "ID"),
    "account": ("账号", "Account"),
    "title": ("标题", "直播标题", "Title"),
    "type": ("类型", "场次类型", "Type"),
    "start": ("开始", "计划开始", "开始时间", "Start"),
    "end": ("结束", "计划结束", "结束时间", "End"),
    "anchors": ("主播", "Anchors", "Anchor"),
    "guest": ("嘉宾", "Guest"),
    "theme": ("主题", "Theme"),
}
REQUIRED = ("account", "title", "start", "end")
audit.register_actions({"live_plan.import": gettext_lazy("导入直播计划")})


def anchor_name(user: Any) -> str:
    return str(user.display_name or user.username)


def export_rows(qs: QuerySet[Session]) -> Iterable[list[Any]]:
    """One row per session, in the order of HEADERS."""
    labels = types.session_type_labels(None)
    for s in qs.order_by("planned_start", "id").prefetch_related("anchors"):
        yield [
            s.pk, s.account.name, s.title, labels.get(s.type, s.type), s.planned_start,
            s.planned_end, "、".join(anchor_name(a) for a in s.anchors.all()), s.guest, s.theme,
            s.get_status_display(),
        ]  # fmt: skip


def headers() -> list[str]:
    return [str(label) for _k, label in HEADERS]


@dataclass
class Row:
    """A validated row: the session to edit (None = create) and the values to write."""

    number: int
    session: Session | None
    account: Any
    values: dict[str, Any]
    anchors: list[Any] | None


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def creates(self) -> int:
        return sum(1 for r in self.rows if r.session is None)

    @property
    def updates(self) -> int:
        return sum(1 for r in self.rows if r.session is not None)


def _mapping(table: Table) -> dict[str, str]:
    out: dict[str, str] = {}
    for header in table.headers:
        for key, names in SYNONYMS.items():
            if header.strip().lower() in {n.lower() for n in names} and key not in out.values():
                out[header] = key
    return out


def _when(text: str) -> dt.datetime | None:
    text = text.strip().replace("/", "-")
    if len(text) == 16:  # 2030-03-04 15:00
        text += ":00"
    try:
        at = parse_datetime(text)
    except ValueError:
        return None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


class _Lookups:
    """Accounts, anchors and sessions the importing user may plan, fetched once."""

    def __init__(self, user: Any) -> None:
        from mediadesk.matrix.models import Account
        from mediadesk.orgs.models import User

        org: int = getattr(user, "organisation_id", None) or 0
        self.user = user
        self.accounts = {a.name: a for a in Account.objects.filter(organisation_id=org)}
        people = User.objects.filter(organisation_id=org, is_active=True)
        self.people: dict[str, Any] = {}
        for u in people:
            self.people.setdefault(u.username, u)
            if u.display_name:
                self.people.setdefault(u.display_name, u)
        self.types = types.session_type_codes(org)

    def session(self, text: str) -> Session | None:
        if not text.strip().isdigit():
            return None
        return access.visible_sessions(self.user).filter(pk=int(text)).first()


def _anchors(text: str, look: _Lookups, problems: list[str]) -> list[Any] | None:
    if not text.strip():
        return None
    names = [n.strip() for n in text.replace(",", "、").replace("，", "、").split("、")]
    out = []
    for name in filter(None, names):
        if name not in look.people:
            problems.append(_("找不到主播「%(name)s」") % {"name": name})
        else:
            out.append(look.people[name])
    return out


def _row(n: int, cells: dict[str, str], look: _Lookups) -> Row | str:
    """A validated row, or the row's error message."""
    problems: list[str] = []
    session = None
    if cells.get("id", "").strip():
        session = look.session(cells["id"])
        if session is None:
            return _("第 %(n)s 行：找不到场次ID %(id)s") % {"n": n, "id": cells["id"]}
    account = look.accounts.get(cells.get("account", "").strip())
    if account is None:
        problems.append(_("找不到账号「%(name)s」") % {"name": cells.get("account", "")})
    elif session is not None and session.account_id != account.pk:
        problems.append(_("已有场次不能改账号，请删除场次ID后作为新场次导入"))
    title = cells.get("title", "").strip()
    if not title:
        problems.append(_("请填写直播标题"))
    elif len(title) > 60:
        problems.append(_("直播标题不能超过 60 个字"))
    start, end = _when(cells.get("start", "")), _when(cells.get("end", ""))
    if start is None or end is None:
        problems.append(_("开始/结束时间无效（格式如 2030-03-04 15:00）"))
    elif end <= start:
        problems.append(_("结束时间必须晚于开始时间"))
    kind = cells.get("type", "").strip()
    code = look.types.get(kind) if kind else None
    if kind and code is None:
        problems.append(_("未知的场次类型「%(type)s」") % {"type": kind})
    anchors = _anchors(cells.get("anchors", ""), look, problems)
    if account is not None and not access.can_manage(look.user, session or account):
        problems.append(_("没有管理该账号直播的权限"))
    if problems:
        return _("第 %(n)s 行：") % {"n": n} + "；".join(problems)
    values: dict[str, Any] = {"title": title, "planned_start": start, "planned_end": end,
                              "guest": cells.get("guest", "").strip()[:60],
                              "theme": cells.get("theme", "").strip()[:120]}  # fmt: skip
    if code:
        values["type"] = code
    return Row(n, session, account, values, anchors)


def parse(table: Table, *, user: Any) -> Parsed:
    """Validate every row; nothing is written."""
    mapping = _mapping(table)
    out = Parsed()
    missing = [str(dict(HEADERS)[k]) for k in REQUIRED if k not in mapping.values()]
    if missing:
        out.errors.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
        return out
    look = _Lookups(user)
    seen: set[int] = set()
    for n, raw in enumerate(table.rows, start=table.first_row):
        if not any(v.strip() for v in raw.values()):
            continue
        result = _row(n, {mapping[h]: v for h, v in raw.items() if h in mapping}, look)
        if isinstance(result, str):
            out.errors.append(result)
        elif result.session is not None and result.session.pk in seen:
            out.errors.append(_("第 %(n)s 行：场次ID 重复") % {"n": n})
        else:
            if result.session is not None:
                seen.add(result.session.pk)
            out.rows.append(result)
    if not out.rows and not out.errors:
        out.errors.append(_("文件中没有数据行"))
    return out


@transaction.atomic
def confirm(table: Table, *, user: Any, filename: str = "") -> dict[str, int]:
    """Write every row or none: creates and edits through the session services (each audited),
    plus one `live_plan.import` entry. Raises ValidationError listing the bad rows."""
    parsed = parse(table, user=user)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    created = updated = 0
    try:
        for row in parsed.rows:
            if row.session is None:
                services.create_session(by=user, account=row.account,
                                        anchors=row.anchors or (), **row.values)  # fmt: skip
                created += 1
                continue
            values = dict(row.values)
            if row.anchors is not None:
                values["anchors"] = row.anchors
            services.update_session(row.session, by=user, values=values)
            updated += 1
    except (ValidationError, PermissionDenied) as exc:
        raise ValidationError(
            _("第 %(n)s 行：%(error)s")
            % {"n": row.number, "error": "；".join(getattr(exc, "messages", [str(exc)]))}
        ) from exc
    audit.record(
        actor=user, action="live_plan.import", target=user,
        changes={"file": [None, filename[:100]], "created": [None, created],
                 "updated": [None, updated]},
    )  # fmt: skip
    return {"created": created, "updated": updated}
