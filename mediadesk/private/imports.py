"""Member import (WeCom contact exports, CSV/XLSX): every row validated in a preview, then
written all or nothing; works without WeCom credentials."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from mediadesk.core import audit, phone
from mediadesk.core.excel import Table, missing_headers, read_table
from mediadesk.orgs.models import Organisation
from mediadesk.private import services
from mediadesk.private.models import Identity, Member

HEADERS = ("姓名", "手机号", "unionid", "企业微信外部联系人ID", "标签", "来源")
MAX_ROWS = 20_000
TAG_SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass
class Row:
    """One data row: its values and problems."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(
            _("第 %(n)s 行「%(col)s」：%(msg)s") % {"n": self.number, "col": column, "msg": message}
        )

    @property
    def masked_phone(self) -> str:
        return phone.mask(self.values.get("phone", ""))


@dataclass
class Preview:
    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def messages(self) -> list[str]:
        return self.problems + [m for r in self.rows for m in r.errors]


class ImportRejected(Exception):
    """Nothing was written; `preview` names every bad row."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("；".join(preview.messages))
        self.preview = preview


def read_upload(upload: Any) -> Table:
    return read_table(upload, max_rows=MAX_ROWS)


def _row(number: int, cells: dict[str, str], seen: dict[str, int]) -> Row:
    row = Row(number)
    raw = cells.get("手机号", "").strip()
    mobile = phone.normalise(raw)
    if raw and not phone.is_mobile(raw):
        row.error("手机号", _("不是有效的手机号"))
    elif mobile and mobile in seen:
        row.error("手机号", _("与第 %(n)s 行重复") % {"n": seen[mobile]})
    elif mobile:
        seen[mobile] = number
    unionid = cells.get("unionid", "").strip()
    external = cells.get("企业微信外部联系人ID", "").strip()
    if not (raw or unionid or external):
        row.error("手机号", _("手机号、unionid、企业微信外部联系人ID 至少填一项"))
    name = cells.get("姓名", "").strip()
    if len(name) > 40:
        row.error("姓名", _("超过 40 字"))
    tags = [t for t in TAG_SPLIT.split(cells.get("标签", "")) if t]
    if any(len(t) > 40 for t in tags):
        row.error("标签", _("单个标签超过 40 字"))
    row.values = {
        "name": name,
        "phone": mobile if not row.errors else raw,
        "unionid": unionid[:64],
        "external": external[:80],
        "tags": tags,
        "source": cells.get("来源", "").strip()[:20] or "import",
    }
    return row


def validate(table: Table) -> Preview:
    """Check every row; nothing is written."""
    problems = []
    if missing := missing_headers(table, ("手机号",)):
        problems.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
    seen: dict[str, int] = {}
    rows = [_row(table.first_row + i, cells, seen) for i, cells in enumerate(table.rows)]
    if not rows and not problems:
        problems.append(_("文件中没有数据行"))
    return Preview(rows, problems)


def _apply(org: Organisation, values: dict[str, Any]) -> Member:
    ident = None
    if values["external"]:
        ident = Identity.objects.filter(
            organisation=org, kind="wecom", value=values["external"]
        ).first()
    member = ident.member if ident else None
    if member is None:
        member = services.resolve(org, unionid=values["unionid"], phone=values["phone"])
    if values["external"] and ident is None:
        Identity.objects.create(
            organisation=org, member=member, kind="wecom", value=values["external"]
        )
    member.name = member.name or values["name"]
    member.tags = sorted(set(member.tags) | set(values["tags"]))
    member.sources = sorted(set(member.sources) | {values["source"]})
    member.save(update_fields=["name", "tags", "sources"])
    return member


@transaction.atomic
def confirm(table: Table, *, org: Organisation, by: Any, filename: str = "") -> int:
    """Re-validate and write every row, all or nothing; one audit entry for the import."""
    preview = validate(table)
    if not preview.ok:
        raise ImportRejected(preview)
    members = [_apply(org, row.values) for row in preview.rows]
    audit.record(
        actor=by,
        action="private.import",
        target=org,
        changes={"file": [None, filename], "rows": [None, len(members)]},
    )
    return len(members)


def template_bytes() -> bytes:
    """The import template with one example row."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(HEADERS))
    ws.append(["张先生", "13800138000", "", "wmABC123", "高意向、学区", "企业微信导出"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
