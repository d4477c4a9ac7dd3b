"""Account import from Excel/CSV: parse, validate every row, preview, confirm in one transaction.

Rows are validated against the database as it is when the user looks at the preview and
again at confirm time; nothing is written unless every row is clean at confirm.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from mediadesk.core import audit, phone, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.excel import Table, missing_headers, read_table
from mediadesk.matrix import queries, rules, services
from mediadesk.matrix.models import Account, AccountStatus, Level, Platform, Verification
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Company, Organisation, Project, User
from mediadesk.orgs.roles import Perm

# Spreadsheet header → Account field, in template order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("平台", "platform"), ("账号名称", "name"), ("层级", "level"), ("上级账号", "parent"),
    ("城市公司", "company"), ("项目", "project"), ("平台账号ID", "platform_account_id"),
    ("账号类型", "subtype"), ("负责人", "custodian"), ("备份负责人", "backup_custodian"),
    ("认证状态", "verification"), ("状态", "status"), ("定位", "positioning"), ("简介", "bio"),
    ("钩子", "hook"), ("粉丝数", "followers"), ("开通日期", "opened_on"), ("绑定手机", "bound_phone"),
    ("备注", "notes"),
)  # fmt: skip
HEADER_OF = {key: header for header, key in COLUMNS}
REQUIRED = ("平台", "账号名称", "层级")
MAX_ROWS = 2000
TEXT_FIELDS = ("platform_account_id", "subtype", "positioning", "bio", "hook", "notes")

LEVEL_WORDS = {
    "1": 1,
    "2": 2,
    "3": 3,
    "一级": 1,
    "二级": 2,
    "三级": 3,
    "一级账号": 1,
    "二级账号": 2,
    "三级账号": 3,
}
VERIFICATION_WORDS = {
    "企业": Verification.ENTERPRISE,
    "个人": Verification.PERSONAL,
    "无": Verification.NONE,
}
STATUS_WORDS = {
    "封禁": AccountStatus.RESTRICTED,
    "限流": AccountStatus.RESTRICTED,
    "停用": AccountStatus.RETIRED,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
PARENT_WITH_PLATFORM = re.compile(r"^(?P<name>.+?)\s*[（(](?P<platform>[^（）()]+)[）)]$")


@dataclass
class RowResult:
    """One data row of the upload: its cells, the values it resolves to, and its problems."""

    number: int  # the spreadsheet row number (the header is row 1)
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, message)
    parent_row: int | None = None  # row number of a parent that this import creates

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))

    def errors_in(self, *columns: str) -> bool:
        return any(column in columns for column, _ in self.errors)

    @property
    def messages(self) -> list[str]:
        return [f"第 {self.number} 行「{column}」：{message}" for column, message in self.errors]


@dataclass
class Preview:
    """The validated upload: every row with its errors, plus problems of the sheet itself."""

    rows: list[RowResult]
    problems: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not self.error_rows


class ImportRejected(Exception):
    """The import cannot be written; `preview` says which rows and why."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(
            "; ".join(preview.problems + [m for r in preview.error_rows for m in r.messages])
        )
        self.preview = preview


def _choice_words(choices: Any, extra: dict[str, Any]) -> dict[str, Any]:
    words = {value: value for value in choices.values}
    words.update({str(label): value for value, label in choices.choices})
    with translation.override(None):  # the template's fixed Chinese words, whatever the UI language
        words.update({str(label): value for value, label in choices.choices})
    words.update(extra)
    return words


class _Lookups:
    """The reference data one validation run needs, loaded once."""

    def __init__(self, user: Any, organisation: Organisation) -> None:
        self.user = user
        self.organisation = organisation
        self.platforms: dict[str, Platform] = {}
        for p in Platform.objects.all():
            self.platforms[p.name] = self.platforms[p.code.lower()] = p
        self.companies = {c.name: c for c in Company.objects.filter(organisation=organisation)}
        self.projects: dict[str, list[Project]] = defaultdict(list)
        for project in Project.objects.filter(organisation=organisation).select_related("company"):
            self.projects[project.name].append(project)
        self.users: dict[str, list[User]] = defaultdict(list)
        for u in org_queries.colleagues(user).filter(organisation=organisation):
            for key in {u.username, u.display_name, u.label} - {""}:
                self.users[key].append(u)
        self.visible: dict[tuple[str, int], list[Account]] = defaultdict(list)
        for a in queries.visible_accounts(user).filter(organisation=organisation):
            self.visible[(a.name, a.platform_id)].append(a)
        self.existing = set(
            Account.objects.alive()
            .filter(organisation=organisation)
            .values_list("name", "platform_id")
        )
        self.levels = _choice_words(Level, LEVEL_WORDS)
        self.verifications = _choice_words(Verification, VERIFICATION_WORDS)
        self.statuses = _choice_words(AccountStatus, STATUS_WORDS)

    def platform(self, text: str) -> Platform | None:
        return self.platforms.get(text) or self.platforms.get(text.lower())


def _text_values(row: RowResult) -> None:
    name = row.cells.get("账号名称", "")
    if not name:
        row.error("账号名称", "必填")
    for key in ("name", *TEXT_FIELDS):
        header = HEADER_OF[key]
        value = row.cells.get(header, "") if key != "name" else name
        limit = getattr(Account._meta.get_field(key), "max_length", None)
        if limit and len(value) > limit:
            row.error(header, f"不能超过 {limit} 字（现为 {len(value)} 字）")
        row.values[key] = value


def _enum_values(row: RowResult, look: _Lookups) -> None:
    platform_text = row.cells.get("平台", "")
    platform = look.platform(platform_text) if platform_text else None
    if not platform_text:
        row.error("平台", "必填")
    elif platform is None:
        row.error("平台", f"未知平台“{platform_text}”（填写平台名称如“抖音”，或代码如 douyin）")
    row.values["platform"] = platform
    level_text = row.cells.get("层级", "")
    row.values["level"] = look.levels.get(level_text)
    if not level_text:
        row.error("层级", "必填（1、2、3 或 一级、二级、三级）")
    elif row.values["level"] is None:
        row.error("层级", f"“{level_text}”不是有效层级（1、2、3 或 一级、二级、三级）")
    for key, words, default in (
        ("verification", look.verifications, Verification.NONE),
        ("status", look.statuses, AccountStatus.ACTIVE),
    ):
        header, text = HEADER_OF[key], row.cells.get(HEADER_OF[key], "")
        row.values[key] = words.get(text) if text else default
        if row.values[key] is None:
            labels = "、".join(label for label in words if not label.isascii())
            row.error(header, f"“{text}”不是有效值（可填：{labels}）")


def _number_values(row: RowResult) -> None:
    text = row.cells.get("粉丝数", "").replace(",", "").replace("，", "")
    row.values["followers"] = None
    if text:
        try:
            value = float(text[:-1]) * 10_000 if text.endswith("万") else float(text)
        except ValueError:
            value = -1
        if value < 0 or value != value or value > 2_000_000_000:
            row.error("粉丝数", f"“{text}”不是有效的数字")
        else:
            row.values["followers"] = round(value)
    row.values["opened_on"] = None
    if text := row.cells.get("开通日期", ""):
        row.values["opened_on"] = _parse_date(text)
        if row.values["opened_on"] is None:
            row.error("开通日期", f"“{text}”不是有效日期（如 2024-03-01）")
    row.values["bound_phone"] = ""
    if text := row.cells.get("绑定手机", ""):
        if phone.is_mobile(text):
            row.values["bound_phone"] = phone.normalise(text)
        else:
            row.error("绑定手机", "应为 11 位大陆手机号")


def _parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _people_values(row: RowResult, look: _Lookups) -> None:
    for key in ("custodian", "backup_custodian"):
        header, text = HEADER_OF[key], row.cells.get(HEADER_OF[key], "")
        row.values[key] = None
        if not text:
            continue
        found = look.users.get(text, [])
        if len(found) == 1:
            row.values[key] = found[0]
        elif found:
            row.error(header, f"“{text}”对应多个用户，请填写用户名")
        else:
            row.error(header, f"找不到在职用户“{text}”（填写用户名或姓名）")
    custodian, backup = row.values["custodian"], row.values["backup_custodian"]
    if custodian is not None and backup is not None and custodian.pk == backup.pk:
        row.error("备份负责人", "不能与负责人相同")


def _scope_values(row: RowResult, look: _Lookups) -> None:
    company_text, project_text = row.cells.get("城市公司", ""), row.cells.get("项目", "")
    company = look.companies.get(company_text) if company_text else None
    if company_text and company is None:
        row.error("城市公司", f"找不到城市公司“{company_text}”")
    project = None
    if project_text:
        found = [
            p
            for p in look.projects.get(project_text, [])
            if company is None or p.company_id == company.pk
        ]
        if len(found) == 1:
            project = found[0]
            company = project.company
        elif found:
            row.error("项目", f"有多个项目叫“{project_text}”，请同时填写城市公司")
        elif look.projects.get(project_text):
            row.error("项目", f"项目“{project_text}”不属于城市公司“{company_text}”")
        else:
            row.error("项目", f"找不到项目“{project_text}”")
    row.values["company"], row.values["project"] = company, project
    stub = Account(organisation=look.organisation, company=company, project=project)
    if not row.errors_in("城市公司", "项目") and not queries.can_manage(look.user, stub):
        where = project or company or look.organisation
        row.error("项目" if project else "城市公司", f"你没有在“{where}”管理账号的权限")


def _parent_value(
    row: RowResult, look: _Lookups, earlier: dict[tuple[str, int], RowResult]
) -> None:
    """上级账号: an account on the row's platform, or 名称（平台）; existing or an earlier row."""
    row.values["parent"] = None
    text, platform = row.cells.get("上级账号", ""), row.values["platform"]
    if not text or platform is None:
        return
    name, parent_platform = text, platform
    if (m := PARENT_WITH_PLATFORM.match(text)) and (named := look.platform(m["platform"].strip())):
        name, parent_platform = m["name"].strip(), named
    key = (name, parent_platform.pk)
    found = look.visible.get(key, [])
    parent_level: int | None
    if len(found) == 1:
        row.values["parent"], parent_level = found[0], found[0].level
    elif found:
        row.error("上级账号", f"“{name}”在{parent_platform}上有多个同名账号")
        return
    elif key in earlier:
        source = earlier[key]
        row.parent_row, parent_level = source.number, source.values["level"]
        if source.errors:
            row.error("上级账号", f"上级账号（第 {source.number} 行）有错误")
    else:
        row.error(
            "上级账号", f"找不到{parent_platform}账号“{name}”（应是已有账号或本表中靠前的行）"
        )
        return
    level = row.values["level"]
    problem = rules.level_error(level, parent_level) if level and parent_level else None
    if problem:
        row.error("上级账号", problem)


def _duplicate_check(row: RowResult, look: _Lookups, earlier: dict[tuple[str, int], RowResult],
                     ids: dict[tuple[int, str], int]) -> None:  # fmt: skip
    platform = row.values["platform"]
    if platform is None or not row.values["name"]:
        return
    key = (row.values["name"], platform.pk)
    if key in look.existing:
        row.error("账号名称", f"{platform}上已有账号“{key[0]}”，如需修改请到账号页编辑")
    elif key in earlier:
        row.error("账号名称", f"与第 {earlier[key].number} 行重复")
    else:
        earlier[key] = row
    if pid := row.values["platform_account_id"]:
        if (platform.pk, pid) in ids:
            where = f"第 {ids[platform.pk, pid]} 行" if ids[platform.pk, pid] else "已有账号"
            row.error("平台账号ID", f"“{pid}”已登记（{where}）")
        else:
            ids[platform.pk, pid] = row.number


def _known_ids(table: Table, look: _Lookups) -> dict[tuple[int, str], int]:
    """(platform id, platform account id) pairs already registered (row 0 = in the database)."""
    pids = {r.get("平台账号ID", "") for r in table.rows} - {""}
    taken = Account.objects.alive().filter(platform_account_id__in=pids)
    return dict.fromkeys(taken.values_list("platform_id", "platform_account_id"), 0)


def validate(table: Table, *, user: Any, organisation: Organisation) -> Preview:
    """Check every row of the sheet against the current database; writes nothing."""
    problems = [f"缺少必需的列「{h}」" for h in missing_headers(table, REQUIRED)]
    unknown = [h for h in table.headers if h and h not in HEADER_OF.values()]
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)}（请使用导入模板的列名）")
    look = _Lookups(user, organisation)
    earlier: dict[tuple[str, int], RowResult] = {}
    ids = _known_ids(table, look)
    rows = []
    for index, cells in enumerate(table.rows):
        if not any(cells.values()):
            continue
        row = RowResult(number=table.first_row + index, cells=cells)
        _text_values(row)
        _enum_values(row, look)
        _number_values(row)
        _people_values(row, look)
        _scope_values(row, look)
        _parent_value(row, look, earlier)
        _duplicate_check(row, look, earlier, ids)
        rows.append(row)
    if not rows and not problems:
        problems.append("文件中没有数据行")
    return Preview(rows, problems)


def read_upload(upload: Any) -> Table:
    """The upload as a table (.xlsx or .csv); raises ValidationError with a Chinese message."""
    return read_table(upload, max_rows=MAX_ROWS)


def _service_error(row: RowResult, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            for error in errors:
                row.error(HEADER_OF.get(key, key), " ".join(error.messages))
    else:
        row.error("账号名称", " ".join(getattr(exc, "messages", [str(exc)])))


@transaction.atomic
def confirm_import(
    table: Table, *, by: Any, organisation: Organisation, filename: str = ""
) -> list[Account]:
    """Re-validate and create every row through services.create_account, all or nothing."""
    if not scopes.has_perm(by, Perm.MATRIX_MANAGE):
        raise PermissionDenied("没有导入账号的权限")
    preview = validate(table, user=by, organisation=organisation)
    if not preview.ok:
        raise ImportRejected(preview)
    created: dict[int, Account] = {}
    for row in preview.rows:
        values = dict(row.values)
        if row.parent_row is not None:
            values["parent"] = created[row.parent_row]
        try:
            created[row.number] = services.create_account(
                by=by, organisation=organisation, values=values
            )
        except (ValidationError, PermissionDenied) as exc:
            _service_error(row, exc)
            raise ImportRejected(preview) from exc
    audit.record(
        actor=by,
        action="account.import",
        target=organisation,
        changes={"file": [None, filename], "rows": [None, len(created)]},
    )
    return list(created.values())


NOTES: tuple[tuple[str, StrPromise], ...] = (
    (
        "平台",
        gettext_lazy(
            "必填。平台名称（抖音、微信公众号、微博、小红书…）或代码（douyin、wechat_mp…）"
        ),
    ),
    ("账号名称", gettext_lazy("必填。同一平台上不能与已有账号重名")),
    (
        "层级",
        gettext_lazy(
            "必填。1/2/3 或 一级/二级/三级：一级=品牌号，二级=城市/项目号，三级=员工/顾问号"
        ),
    ),
    (
        "上级账号",
        gettext_lazy(
            "二级挂一级、三级挂二级。填同平台的账号名称，跨平台写“名称（平台）”；可以是本表前面的行"
        ),
    ),
    ("城市公司", gettext_lazy("选填。如“西安公司”")),
    ("项目", gettext_lazy("选填。项目名称；同名项目请同时填城市公司")),
    ("平台账号ID", gettext_lazy("选填。抖音号、公众号原始ID等，不能重复")),
    ("账号类型", gettext_lazy("选填。如 订阅号/服务号")),
    ("负责人", gettext_lazy("选填。用户名或姓名（专人专管）")),
    ("备份负责人", gettext_lazy("选填。用户名或姓名，不能与负责人相同")),
    ("认证状态", gettext_lazy("选填。企业认证/个人认证/未认证，默认未认证")),
    ("状态", gettext_lazy("选填。正常/暂停/封禁/限流/已停用，默认正常")),
    ("定位", gettext_lazy("选填。领域/定位")),
    ("简介", gettext_lazy("选填。注意平台的简介字数上限")),
    ("钩子", gettext_lazy("选填。行动号召，如“私信预约看房”")),
    ("粉丝数", gettext_lazy("选填。整数，可写“1.2万”")),
    ("开通日期", gettext_lazy("选填。如 2024-03-01")),
    ("绑定手机", gettext_lazy("选填。11 位大陆手机号")),
    ("备注", gettext_lazy("选填")),
)


def template_bytes() -> bytes:
    """The import template: the header row on the first sheet, how to fill it on the second."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "账号"
    ws.append([header for header, _ in COLUMNS])
    for index, (header, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
        ws.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for header, note in NOTES:
        notes.append([header, str(note)])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
