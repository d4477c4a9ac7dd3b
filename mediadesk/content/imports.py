"""Template 1 内容发布计划表 import: parse, validate every row, preview, write all or nothing.

A row is keyed by 内容主题 (the item title) + 发布平台 + 发布日期 within the organisation:
a matching variant updates its item's form, targets, owner and notes (only when they
differ, so re-importing an export changes nothing); a new key adds a variant on the
platform's level-1 account — to the item of that title if there is exactly one, else to a
new draft item shared by the file's rows of that title. 审核人 is read-only (it comes from
the review trail) and 状态 cannot be changed here: publishing belongs to the review app.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import exports, queries, rules, services
from mediadesk.content.models import BestTime, ContentItem, Form, Variant
from mediadesk.core import audit, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.excel import Table, missing_headers, read_table
from mediadesk.matrix.imports import ImportRejected, Preview, RowResult
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Organisation, User
from mediadesk.orgs.roles import Perm

__all__ = ["ImportRejected", "Preview", "confirm_import", "validate"]

(NUMBER, DATE, PLATFORM, TITLE, FORM, TARGETS, OWNER, REVIEWERS, STATUS, NOTES) = (
    exports.PLAN_HEADERS
)
REQUIRED = (DATE, PLATFORM, TITLE, FORM, OWNER)
MAX_ROWS = 5000
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")
DEFAULT_TIME = dt.time(10, 0)
ITEM_KEYS = (
    "form",
    "target_exposure",
    "target_interactions",
    "target_conversions",
    "owner",
    "notes",
)
STATUS_OF_WORD = {"待发布": "pending", "已发布": "published", "已撤回": "withdrawn", "": "pending"}


@dataclass
class Plan:
    """What confirming a clean preview will do."""

    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # item id -> values
    seen: dict[int, dict[str, Any]] = field(default_factory=dict)  # item id -> first row's values
    new_items: dict[str, dict[str, Any]] = field(default_factory=dict)  # title -> values
    new_variants: list[tuple[RowResult, str | int, Account, dt.datetime]] = field(
        default_factory=list
    )


class _Lookups:
    """Reference data of one validation run, loaded once."""

    def __init__(self, user: Any, organisation: Organisation) -> None:
        self.user, self.organisation = user, organisation
        self.platforms: dict[str, Platform] = {}
        for p in Platform.objects.all():
            for key in {p.name, p.code, p.code.lower(), p.name.removeprefix("微信")}:
                self.platforms[key] = p
        self.people: dict[str, list[User]] = defaultdict(list)
        for u in org_queries.colleagues(user):
            for key in {u.username, u.display_name, u.label} - {""}:
                self.people[key].append(u)
        self.forms = {word: value for value, word in form_words()} | {v: v for v in Form.values}
        self.brand_accounts: dict[int, list[Account]] = defaultdict(list)
        for a in queries.variant_accounts(user).filter(level=1, organisation=organisation):
            self.brand_accounts[a.platform_id].append(a)
        self.best = defaultdict(list)
        for bt in BestTime.objects.order_by("starts"):
            self.best[(bt.platform_id, bt.weekend)].append(bt.starts)


def _parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _cells(row: RowResult, look: _Lookups) -> None:
    """Resolve each cell to a value or a named error."""
    c, v = row.cells, row.values
    for header in REQUIRED:
        if not c.get(header, "").strip():
            row.error(header, _("必填"))
    v["day"] = _parse_date(c.get(DATE, "")) if c.get(DATE) else None
    if c.get(DATE) and v["day"] is None:
        row.error(DATE, _("日期“%(value)s”无法识别，请写成 2026-03-01") % {"value": c[DATE]})
    v["platform"] = look.platforms.get(c.get(PLATFORM, "").strip())
    if c.get(PLATFORM) and v["platform"] is None:
        row.error(PLATFORM, _("未知平台“%(value)s”") % {"value": c[PLATFORM]})
    v["title"] = c.get(TITLE, "").strip()
    if len(v["title"]) > 120:
        row.error(TITLE, _("不能超过 120 字（现为 %(n)s 字）") % {"n": len(v["title"])})
    v["form"] = look.forms.get(c.get(FORM, "").strip())
    if c.get(FORM) and v["form"] is None:
        row.error(
            FORM,
            _("未知内容形式“%(value)s”，可选：%(words)s")
            % {"value": c[FORM], "words": "、".join(w for _v, w in form_words())},
        )
    _targets(row)
    _owner(row, look)
    v["status"] = STATUS_OF_WORD.get(c.get(STATUS, "").strip())
    if v["status"] is None:
        row.error(STATUS, _("只能是 待发布、已发布 或 已撤回"))
    v["notes"] = c.get(NOTES, "")


def _targets(row: RowResult) -> None:
    try:
        targets = rules.parse_targets(row.cells.get(TARGETS, ""))
    except rules.TargetError as exc:
        row.error(TARGETS, str(exc))
        targets = {"exposure": None, "interactions": None, "conversions": None}
    for key, value in targets.items():
        row.values[f"target_{key}"] = value


def _owner(row: RowResult, look: _Lookups) -> None:
    text = row.cells.get(OWNER, "").strip()
    matches = look.people.get(text, []) if text else []
    row.values["owner"] = matches[0] if len(matches) == 1 else None
    if text and not matches:
        row.error(OWNER, _("找不到本组织的在职用户“%(name)s”（填姓名或用户名）") % {"name": text})
    elif len(matches) > 1:
        row.error(OWNER, _("“%(name)s”对应多个用户，请填用户名") % {"name": text})


def _item_values(row: RowResult) -> dict[str, Any]:
    return {key: row.values[key] for key in ITEM_KEYS}


def _matches(look: _Lookups, titles: set[str]) -> dict[tuple[str, int, dt.date], list[Variant]]:
    """Existing variants of the organisation by (title, platform id, plan date)."""
    out: dict[tuple[str, int, dt.date], list[Variant]] = defaultdict(list)
    variants = Variant.objects.filter(
        organisation=look.organisation, item__title__in=titles
    ).select_related("item__owner", "platform")
    for variant in variants:
        day = exports.variant_day(variant)
        if day is not None:
            out[(variant.item.title, variant.platform_id, day)].append(variant)
    return out


def _existing(row: RowResult, look: _Lookups, found: list[Variant], plan: Plan) -> None:
    items = {v.item_id: v.item for v in found}
    if len(items) > 1:
        row.error(
            TITLE,
            _("有 %(n)s 条同名内容在这一天发布到该平台，无法确定对应哪一条") % {"n": len(items)},
        )
        return
    item = next(iter(items.values()))
    if not queries.can_edit(look.user, item):
        row.error(TITLE, _("没有编辑该内容的权限"))
        return
    current = exports.STATUS_WORDS.get(found[0].status, exports.PENDING)  # type: ignore[call-overload]
    if row.cells.get(STATUS, "").strip() not in ("", current):
        row.error(
            STATUS,
            _("当前为“%(status)s”：发布状态在审核/发布流程中标记，不能通过导入修改")
            % {"status": current},
        )
    _plan_update(row, item, plan)
    row.values["action"] = "update" if item.pk in plan.updates else "unchanged"


def _plan_update(row: RowResult, item: ContentItem, plan: Plan) -> None:
    """Item fields that differ from the row become an update (the same for every row of it)."""
    wanted = _item_values(row)
    if plan.seen.setdefault(item.pk, wanted) != wanted:
        row.error(TITLE, _("同一内容在本表中的内容形式/目标数据/负责人/备注不一致"))
    elif any(getattr(item, key) != value for key, value in wanted.items()):
        plan.updates[item.pk] = wanted


def _planned_at(look: _Lookups, platform: Platform, day: dt.date) -> dt.datetime:
    """The platform's first best time on that kind of day, else 10:00."""
    times = look.best.get((platform.pk, day.weekday() >= 5)) or look.best.get((platform.pk, False))
    return timezone.make_aware(dt.datetime.combine(day, times[0] if times else DEFAULT_TIME))


def _new(row: RowResult, look: _Lookups, plan: Plan) -> None:
    platform, title = row.values["platform"], row.values["title"]
    if row.values["status"] != "pending":
        row.error(STATUS, _("新增的计划只能是“待发布”"))
    accounts = look.brand_accounts.get(platform.pk, [])
    if len(accounts) != 1:
        if not accounts:
            why = _("%(platform)s没有可用的一级账号，请在系统中直接创建该平台稿")
        else:
            why = _("%(platform)s有 %(n)s 个一级账号，无法确定，请在系统中直接创建该平台稿")
        row.error(PLATFORM, why % {"platform": platform.name, "n": len(accounts)})
        return
    candidates = ContentItem.objects.filter(organisation=look.organisation, title=title)
    target: str | int = title
    if len(candidates) > 1:
        row.error(
            TITLE, _("已有 %(n)s 条同名内容，无法确定新平台稿属于哪一条") % {"n": len(candidates)}
        )
        return
    if candidates:
        item = candidates[0]
        target = item.pk
        if not queries.can_edit(look.user, item):
            row.error(TITLE, _("没有编辑该内容的权限"))
        elif item.variants.filter(account=accounts[0]).exists():
            row.error(
                DATE,
                _("该内容在%(account)s上已有平台稿（日期不同），改期请在日历中拖动")
                % {"account": accounts[0].name},
            )
        else:
            _plan_update(row, item, plan)
    elif plan.new_items.setdefault(title, _item_values(row)) != _item_values(row):
        row.error(TITLE, _("同一新内容在本表中的内容形式/目标数据/负责人/备注不一致"))
    if any(t == target and a == accounts[0] for _, t, a, _ in plan.new_variants):
        row.error(PLATFORM, _("与本表前面的行重复"))
    plan.new_variants.append(
        (row, target, accounts[0], _planned_at(look, platform, row.values["day"]))
    )
    row.values["action"] = "create"


def _validate(table: Table, user: Any, organisation: Organisation) -> tuple[Preview, Plan]:
    problems = [
        _("缺少必需的列「%(column)s」") % {"column": h} for h in missing_headers(table, REQUIRED)
    ]
    look = _Lookups(user, organisation)
    plan = Plan()
    rows = [
        RowResult(number=table.first_row + i, cells=cells)
        for i, cells in enumerate(table.rows)
        if any(cells.values())
    ]
    for row in rows:
        _cells(row, look)
    existing = _matches(look, {r.values["title"] for r in rows})
    for row in rows:
        if row.errors:
            continue
        key = (row.values["title"], row.values["platform"].pk, row.values["day"])
        if found := existing.get(key):
            _existing(row, look, found, plan)
        else:
            _new(row, look, plan)
    if not rows and not problems:
        problems.append(_("文件中没有数据行"))
    return Preview(rows, problems), plan


def validate(table: Table, *, user: Any, organisation: Organisation) -> Preview:
    """Check every row against the current database; writes nothing."""
    return _validate(table, user, organisation)[0]


def read_upload(upload: Any) -> Table:
    """The upload as a table (.xlsx, or .csv in UTF-8/GB18030)."""
    return read_table(upload, max_rows=MAX_ROWS)


@dataclass
class Outcome:
    created_items: int = 0
    created_variants: int = 0
    updated_items: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created_items or self.created_variants or self.updated_items)


@transaction.atomic
def confirm_import(
    table: Table, *, by: Any, organisation: Organisation, filename: str = ""
) -> Outcome:
    """Re-validate and apply every row through the services, all or nothing."""
    if not scopes.has_perm(by, Perm.CONTENT_EDIT):
        raise PermissionDenied(_("没有导入内容计划的权限"))
    preview, plan = _validate(table, by, organisation)
    if not preview.ok:
        raise ImportRejected(preview)
    outcome = Outcome()
    company, project = queries.default_scope(by)
    created: dict[str, ContentItem] = {}
    try:
        for item_id, values in plan.updates.items():
            services.update_item(ContentItem.objects.get(pk=item_id), by=by, values=dict(values))
            outcome.updated_items += 1
        for title, values in plan.new_items.items():
            created[title] = services.create_item(
                by=by, organisation=organisation,
                values={**values, "title": title, "company": company, "project": project},
            )  # fmt: skip
            outcome.created_items += 1
        for _row, target, account, planned_at in plan.new_variants:
            item = (
                created[target] if isinstance(target, str) else ContentItem.objects.get(pk=target)
            )
            services.add_variant(
                item,
                by=by,
                values={"account": account, "title": item.title, "planned_at": planned_at},
            )
            outcome.created_variants += 1
    except (ValidationError, PermissionDenied) as exc:
        preview.problems.append("；".join(getattr(exc, "messages", [str(exc)])))
        raise ImportRejected(preview) from exc
    audit.record(
        actor=by, action="content.import", target=organisation,
        changes={"file": [None, filename], "created_items": [None, outcome.created_items],
                 "created_variants": [None, outcome.created_variants],
                 "updated_items": [None, outcome.updated_items]},
    )  # fmt: skip
    return outcome


def form_words() -> list[tuple[str, str]]:
    """(code, word) of each content form in the source language: template 1 is read and
    written in Chinese whatever the user's language."""
    with translation.override(None):
        return [(value, str(label)) for value, label in Form.choices]


NOTES_HELP: tuple[tuple[str, Any, str], ...] = (
    (NUMBER, gettext_lazy("选填，仅用于阅读"), ""),
    (DATE, gettext_lazy("必填。如 2026-03-01；与内容主题、发布平台一起确定对应的平台稿"), ""),
    (PLATFORM, gettext_lazy("必填。平台名称或代码，如"), "抖音、微信公众号、微博、小红书"),
    (TITLE, gettext_lazy("必填。内容标题；新行会在该平台的一级账号上创建草稿"), ""),
    (FORM, gettext_lazy("必填，可选："), ""),
    (TARGETS, gettext_lazy("选填，格式如"), "曝光50万/互动1万/转化200"),
    (OWNER, gettext_lazy("必填。姓名或用户名"), ""),
    (REVIEWERS, gettext_lazy("只读：由审核记录生成，导入时忽略"), ""),
    (
        STATUS,
        gettext_lazy("新行只能是第一项，发布状态不能通过导入修改；可选："),
        "待发布/已发布/已撤回",
    ),
    (NOTES, gettext_lazy("选填"), ""),
)


def notes_help() -> list[tuple[str, str, str]]:
    """Each template-1 column with its note in the user's language and the Chinese words the
    column accepts (the column names and those words are the same in every language)."""
    forms = "、".join(word for _code, word in form_words())
    return [(col, str(note), forms if col == FORM else words) for col, note, words in NOTES_HELP]
