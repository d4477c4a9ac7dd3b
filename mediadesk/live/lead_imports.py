"""Import of the platform's lead list (线索列表) of one session: every lead carries the session.

Headers through synonyms (手机号/电话/联系方式, 姓名/昵称, 留资时间/提交时间, 备注/意向);
all or nothing — a bad row stops the import with its row number; a phone already captured
in this session is skipped, so importing the same list twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mediadesk.core import audit, phone
from mediadesk.core.excel import Table
from mediadesk.live.models import Session

SYNONYMS = {
    "phone": ("手机号", "手机", "电话", "联系方式", "手机号码"),
    "name": ("姓名", "昵称", "客户姓名", "用户昵称"),
    "at": ("留资时间", "提交时间", "线索时间", "创建时间"),
    "note": ("备注", "意向", "留言"),
}


@dataclass
class LeadRows:
    """Parsed lead rows ready to capture, the rows already in the session, and errors."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    known: int = 0
    errors: list[str] = field(default_factory=list)


def _mapping(headers: list[str]) -> dict[str, str]:
    return {h: k for h in headers for k, names in SYNONYMS.items() if h.strip() in names}


def _known_phones(session: Session) -> set[str]:
    from mediadesk.leads.models import Touch

    return set(Touch.objects.filter(live_session=session).values_list("customer__phone", flat=True))


def parse(table: Table, session: Session) -> LeadRows:
    """Validate every row (nothing is written)."""
    mapping = _mapping(table.headers)
    out = LeadRows()
    if "phone" not in mapping.values():
        out.errors.append(_("缺少「手机号」列"))
        return out
    known = _known_phones(session)
    for n, row in enumerate(table.rows, start=table.first_row):
        cells = {mapping[h]: v.strip() for h, v in row.items() if h in mapping}
        digits = phone.normalise(cells.get("phone", ""))
        if not phone.is_mobile(digits):
            out.errors.append(
                _("第 %(n)s 行：「%(phone)s」不是有效的手机号")
                % {"n": n, "phone": cells.get("phone", "")}
            )
            continue
        at = parse_datetime(cells.get("at", "").replace("/", "-")) if cells.get("at") else None
        if cells.get("at") and at is None:
            out.errors.append(
                _("第 %(n)s 行：「%(at)s」不是有效的时间") % {"n": n, "at": cells["at"]}
            )
            continue
        if digits in known:
            out.known += 1
            continue
        known.add(digits)
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        out.rows.append({"phone": digits, "name": cells.get("name", "")[:40],
                         "note": cells.get("note", "")[:500], "at": at})  # fmt: skip
    return out


@transaction.atomic
def confirm(table: Table, session: Session, *, by: Any) -> int:
    """Capture every new lead of the list (source 直播, tied to the session) or none."""
    from mediadesk.leads.models import Source
    from mediadesk.leads.services import capture_lead
    from mediadesk.live import access

    if not access.can_manage(by, session):
        raise ValidationError(_("没有管理该直播场次的权限"))
    if session.project is None:
        raise ValidationError(_("该场直播未关联项目，无法导入线索"))
    parsed = parse(table, session)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    for row in parsed.rows:
        capture_lead(
            organisation=session.organisation, project=session.project, phone=row["phone"],
            source=Source.LIVE, by=by, name=row["name"], account=session.account,
            live_session=session, note=row["note"], captured_at=row["at"],
        )  # fmt: skip
    if parsed.rows:
        audit.record(
            actor=by, action="live_session.leads_import", target=session,
            changes={"leads": [None, len(parsed.rows)]},
        )  # fmt: skip
    return len(parsed.rows)
