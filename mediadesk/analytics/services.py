"""Ingestion of metric snapshots: the one engine behind the import pages, the background job,
`mediadesk import-metrics` and `POST /api/v1/metrics/snapshots`.

1. `validate(rows, ctx)` parses every row (field → raw value), matches it to a post and
   collects per-row errors (row number, column, Chinese reason); it writes nothing.
   Matching: MediaDesk post id → platform post id (external_id) → URL → account + title +
   publish date (a *fuzzy* match the user confirms) → otherwise an unplanned post is created.
2. `write(report, ctx)` writes the valid rows in one transaction: unplanned posts, snapshots
   (upsert on post + taken_at), the aggregates (aggregates.refresh_posts) and one audit entry.

Idempotency: a row for a (post, taken_at) that exists with the same figures changes nothing;
a row without a 统计时间 column takes the batch's "数据截至" time, and is unchanged when its
figures equal the post's latest snapshot — so importing the same export twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from mediadesk.analytics import aggregates, rules
from mediadesk.analytics.models import (
    AccountDaily,
    AnalyticsSettings,
    ImportBatch,
    MetricSnapshot,
    PostMetrics,
    Source,
)
from mediadesk.analytics.presets import COUNT_FIELDS, FIELDS, FIELDS_OF, RATE_FIELDS
from mediadesk.content.models import ContentItem, Form, Status, Variant
from mediadesk.core import audit, scopes
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Organisation
from mediadesk.orgs.roles import Perm, perms_of

audit.register_actions(
    {
        "metrics.import": gettext_lazy("导入数据快照"),
        "metrics.cancel": gettext_lazy("取消数据导入"),
        "metrics.preset": gettext_lazy("保存导入预设"),
        "metrics.settings": gettext_lazy("修改数据分析设置"),
        "metrics.account_daily": gettext_lazy("录入账号日数据"),
    }
)

MAX_COUNT = 10**15
FUZZY_MIN_SIMILARITY = 0.8
BLANKS = {"", "-", "--", "—", "/", "n/a", "N/A", "null", "None"}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d",
)  # fmt: skip
# URL query parameters that vary per share and do not identify the post.
URL_NOISE = {"chksm", "scene", "from", "isappinstalled", "share_token", "xsec_source", "xsec_token",
             "utm_source", "utm_medium", "utm_campaign", "sessionid", "poc_token"}  # fmt: skip
FIGURES = (*COUNT_FIELDS, *RATE_FIELDS, "avg_play_seconds")
PLATFORM_FORM = {"wechat_mp": Form.ARTICLE, "douyin": Form.SHORT_VIDEO,
                 "xiaohongshu": Form.NOTE, "wechat_channels": Form.SHORT_VIDEO}  # fmt: skip


class Cancelled(Exception):
    """The user cancelled the import; nothing was written."""


# ------------------------------------------------------------------ cells


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user."""


def is_blank(value: Any) -> bool:
    """Whether a cell is empty or one of the placeholders exports use for "no data"."""
    return value is None or (isinstance(value, str) and value.strip() in BLANKS)


def parse_number(value: Any) -> Decimal:
    """A number cell: "12,345", "1.2万", "3亿"; raises CellError otherwise."""
    if isinstance(value, bool):
        raise CellError(gettext("应为数字"))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    scale = Decimal(1)
    if text.endswith("万"):
        text, scale = text[:-1], Decimal(10_000)
    elif text.endswith("亿"):
        text, scale = text[:-1], Decimal(100_000_000)
    try:
        number = Decimal(text) * scale
    except InvalidOperation:
        raise CellError(gettext("“%(value)s”不是有效的数字") % {"value": value}) from None
    if not number.is_finite():
        raise CellError(gettext("“%(value)s”不是有效的数字") % {"value": value})
    return number


def parse_count(value: Any) -> int | None:
    """A count cell: blank → None; "1.2万" → 12000; "12,345" → 12345; never negative."""
    if type(value) is str and value.isascii() and value.isdigit():  # the common case, fast
        number: int | Decimal = int(value)
    elif is_blank(value):
        return None
    else:
        number = parse_number(value)
        if number < 0:
            raise CellError(gettext("不能为负数"))
        if number != number.to_integral_value():
            raise CellError(gettext("“%(value)s”应为整数") % {"value": value})
    if number > MAX_COUNT:
        raise CellError(gettext("数值过大"))
    return int(number)


def parse_rate(value: Any) -> Decimal | None:
    """A rate cell as a fraction: "45.2%" → 0.452; 0.452 stays; 45.2 (no %) → 0.452."""
    if is_blank(value):
        return None
    text = str(value).strip()
    is_percent = text.endswith("%")
    number = parse_number(text[:-1] if is_percent else value)
    if number < 0:
        raise CellError(gettext("不能为负数"))
    if is_percent or number > 1:
        number /= 100
    if number > 1:
        raise CellError(
            gettext("“%(value)s”不是有效的比率（应在 0–100%% 之间）") % {"value": value}
        )
    return number.quantize(Decimal("0.000001"))


def parse_seconds(value: Any) -> Decimal | None:
    """A duration cell in seconds: "15.2", "15.2s", "15.2秒" or "1:05"."""
    if is_blank(value):
        return None
    text = str(value).strip().rstrip("sS秒")
    if ":" in text:
        minutes, _, seconds = text.rpartition(":")
        number = parse_number(minutes or 0) * 60 + parse_number(seconds)
    else:
        number = parse_number(text)
    if number < 0 or number >= 10**8:
        raise CellError(gettext("“%(value)s”不是有效的时长") % {"value": value})
    return number.quantize(Decimal("0.01"))


def parse_time(value: Any) -> dt.datetime | None:
    """A date/time cell as an aware datetime (naive values are Beijing time)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        parsed = _parse_time_text(str(value).strip())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _parse_time_text(text: str) -> dt.datetime:
    if text[:4].isdigit() and text[4:5] == "-":  # ISO, the common case: no format guessing
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            gettext("“%(value)s”不是有效的时间（如 2024-05-01 20:00）") % {"value": text}
        ) from None


def normalise_url(url: str) -> str:
    """A post URL without scheme differences, fragments and per-share query noise."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"https://{url}")
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in URL_NOISE)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", parts.netloc.lower(), path, urlencode(query), ""))


def normalise_title(title: str) -> str:
    """A title compared for fuzzy matching: no spaces, punctuation or emoji, lower case."""
    return re.sub(r"[\W_]+", "", title).lower()


# ------------------------------------------------------------------ rows and context


@dataclass
class RawRow:
    """One input row: its number (spreadsheet row or API item) and field → raw value."""

    number: int
    values: dict[str, Any]
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Checked:
    """A valid row: its parsed figures and the post it belongs to (or will create)."""

    number: int
    figures: dict[str, Any]
    extra: dict[str, str]
    taken_at: dt.datetime
    has_time: bool
    variant_id: int | None
    new_key: tuple[Any, ...] | None
    account_id: int | None
    published_at: dt.datetime | None
    title: str
    url: str
    external_id: str
    match: str  # id / external_id / url / title / new


@dataclass
class Context:
    """Who imports what: the batch, its platform and default account, columns for messages."""

    user: Any
    batch: ImportBatch
    columns: dict[str, str] = field(default_factory=dict)  # field → column header
    accept_fuzzy: bool | dict[int, int] = False  # True, or {row: post id} confirmed in preview

    @property
    def organisation(self) -> Organisation:
        return self.batch.organisation

    @property
    def platform(self) -> Platform:
        return self.batch.platform

    def column(self, name: str) -> str:
        """How errors name a field: the file's column header, or the API field name."""
        if self.batch.source == Source.API:
            return name
        return self.columns.get(name) or FIELDS_OF[self.batch.kind].get(name, (name, ""))[0]


@dataclass
class Report:
    """The outcome of validating (and then writing) a set of rows."""

    total: int = 0
    rows: list[Any] = field(default_factory=list)  # Checked (snapshots) or daily.DailyRow
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)
    fuzzy: list[tuple[int, int, str]] = field(default_factory=list)  # (row, post id, label)
    skipped: list[int] = field(default_factory=list)  # fuzzy rows not confirmed
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unplanned: int = 0

    @property
    def new_posts(self) -> int:
        return len({r.new_key for r in self.rows if getattr(r, "new_key", None) is not None})

    @property
    def rejected_rows(self) -> int:
        return len({row for row, _, _ in self.errors})

    def messages(self, limit: int | None = None) -> list[str]:
        """Errors as "第 N 行「列」：原因"."""
        return [
            gettext("第 %(n)s 行「%(col)s」：%(why)s") % {"n": n, "col": col, "why": why}
            for n, col, why in self.errors[:limit]
        ]


def require_import(user: Any) -> None:
    """403 unless the user may import metrics somewhere."""
    scopes.require(scopes.has_perm(user, Perm.ANALYTICS_IMPORT), gettext("没有导入数据的权限"))


def importable_accounts(user: Any, organisation: Organisation, platform: Platform) -> list[Account]:
    """Live accounts of `platform` the user may import figures for."""
    q = scopes.scope_q(user, Perm.ANALYTICS_IMPORT)
    return list(
        Account.objects.alive()
        .filter(q, organisation=organisation, platform=platform)
        .select_related("custodian")
        .order_by("level", "name")
    )


def start_batch(
    *,
    by: Any,
    platform: Platform,
    account: Account | None = None,
    source: str = Source.IMPORT,
    as_of: dt.datetime | None = None,
    persist: bool = True,
    **values: Any,
) -> ImportBatch:
    """Create the batch an ingestion runs in (permission and account scope checked); a dry
    run uses an unsaved batch."""
    require_import(by)
    if by.organisation is None:
        raise PermissionDenied(gettext("用户不属于任何组织"))
    if account is not None and account.pk not in {
        a.pk for a in importable_accounts(by, by.organisation, platform)
    }:
        raise ValidationError({"account": gettext("没有该账号的导入权限，或账号不属于所选平台")})
    now = timezone.now().replace(second=0, microsecond=0)
    batch = ImportBatch(
        organisation=by.organisation, created_by=by, platform=platform, account=account,
        source=source, as_of=as_of or now, **values,
    )  # fmt: skip
    if persist:
        batch.save()
    return batch


# ------------------------------------------------------------------ validation

VARIANT_COLUMNS = ("id", "account_id", "published_at", "title", "external_id", "published_url",
                   "item__title")  # fmt: skip


class _Lookups:
    """Reference data of one validation run; posts are loaded per chunk of rows."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        allowed = importable_accounts(ctx.user, ctx.organisation, ctx.platform)
        self.accounts = {a.pk: a for a in allowed}
        self.named: dict[str, list[Account]] = defaultdict(list)
        for a in allowed:
            for key in {a.name, a.platform_account_id} - {""}:
                self.named[key].append(a)
        self.seen: dict[tuple[Any, dt.datetime], int] = {}
        self.posts: dict[int, dict[str, Any]] = {}
        self.by_external: dict[str, list[int]] = defaultdict(list)
        self.by_url: dict[str, list[int]] = defaultdict(list)
        self.by_day: dict[tuple[int, dt.date], list[int]] = defaultdict(list)

    def _base(self) -> Any:
        return Variant.objects.filter(
            organisation=self.ctx.organisation, platform=self.ctx.platform, status=Status.PUBLISHED
        ).values(*VARIANT_COLUMNS)

    def _keep(self, rows: Iterable[dict[str, Any]]) -> None:
        for post in rows:
            if post["id"] in self.posts:
                continue
            self.posts[post["id"]] = post
            if post["external_id"]:
                self.by_external[post["external_id"]].append(post["id"])
            if post["published_url"]:
                self.by_url[normalise_url(post["published_url"])].append(post["id"])
            day = aggregates.local_date(post["published_at"])
            self.by_day[post["account_id"], day].append(post["id"])  # type: ignore[index]

    def load(self, rows: list[tuple[RawRow, dict[str, Any]]]) -> None:
        """Fetch the posts the chunk's rows may refer to, in a few queries."""
        ids = {p["variant"] for _, p in rows if p.get("variant")}
        exts = {p["external_id"] for _, p in rows if p.get("external_id")}
        urls = {u for _, p in rows if p.get("url") for u in (p["url"], normalise_url(p["url"]))}
        # One query per identifier: an OR of the three cannot use an index. Platform post ids
        # are looked up by (platform, external_id) alone, then checked here: with the
        # organisation in the WHERE clause SQLite picks its index and scans every post.
        if ids:
            self._keep(self._base().filter(pk__in=ids))
        if exts:
            mine = Variant.objects.filter(platform=self.ctx.platform, external_id__in=exts)
            self._keep(
                post
                for post in mine.values(*VARIANT_COLUMNS, "organisation_id", "status")
                if post.pop("organisation_id") == self.ctx.organisation.pk
                and post.pop("status") == Status.PUBLISHED
            )
        if urls:
            self._keep(self._base().filter(published_url__in=urls))
        days = [(p["account"].pk, p["published_at"]) for _, p in rows if self._needs_title(p)]
        if days:
            start = min(t for _, t in days) - dt.timedelta(days=1)
            end = max(t for _, t in days) + dt.timedelta(days=1)
            accounts = {a for a, _ in days}
            self._keep(
                self._base().filter(
                    account_id__in=accounts, published_at__gte=start, published_at__lt=end
                )
            )

    def _needs_title(self, parsed: dict[str, Any]) -> bool:
        """Whether only account + title + publish date can still identify the row's post."""
        if parsed.get("variant") or not (
            parsed.get("title") and parsed.get("published_at") and parsed.get("account")
        ):
            return False
        ext, url = parsed.get("external_id"), parsed.get("url")
        return not (ext and ext in self.by_external) and not (
            url and normalise_url(url) in self.by_url
        )

    def account_named(self, text: str | int) -> Account | None:
        """An importable account by id (API), name or platform account id (files)."""
        if isinstance(text, int):
            return self.accounts.get(text)
        found = self.named.get(text.strip(), [])
        return found[0] if len(found) == 1 else None


def _parse_figures(raw: RawRow, ctx: Context, report: Report) -> dict[str, Any] | None:
    parsed: dict[str, Any] = {}
    ok = True
    for name, value in raw.values.items():
        try:
            parsed[name] = READERS.get(name, _identity)(name, value)
        except CellError as exc:
            report.errors.append((raw.number, ctx.column(name), str(exc)))
            ok = False
    return parsed if ok else None


def _identity(name: str, value: Any) -> Any:
    if name == "variant":
        return None if is_blank(value) else _post_id(value)
    if name == "account" and isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed into Excel as a number
    text = "" if is_blank(value) else str(value).strip()
    limit = {"external_id": 120, "url": 500, "account": 80}.get(name)
    if limit and len(text) > limit:
        raise CellError(gettext("不能超过 %(n)s 个字符") % {"n": limit})
    return text[:200] if name == "title" else text


def _by_kind(read: Callable[[Any], Any]) -> Callable[[str, Any], Any]:
    return lambda _name, value: read(value)


_KIND_READERS: dict[str, Callable[[Any], Any]] = {
    "count": parse_count, "rate": parse_rate, "seconds": parse_seconds, "time": parse_time,
}  # fmt: skip
# field → reader(name, value), resolved once instead of per cell.
READERS: dict[str, Callable[[str, Any], Any]] = {
    name: _by_kind(_KIND_READERS[kind])
    for name, (_, kind) in FIELDS.items()
    if kind in _KIND_READERS
}


def _post_id(value: Any) -> int:
    try:
        number = int(str(value).strip().lstrip("#"))
    except ValueError:
        raise CellError(gettext("“%(value)s”不是有效的发布ID") % {"value": value}) from None
    if not 0 < number < 2**63:
        raise CellError(gettext("“%(value)s”不是有效的发布ID") % {"value": value})
    return number


def _prepare(raw: RawRow, ctx: Context, look: _Lookups, report: Report) -> dict[str, Any] | None:
    """Parsed cells of a row plus its account; None (with errors reported) when unusable."""
    parsed = _parse_figures(raw, ctx, report)
    if parsed is None:
        return None
    if not any(parsed.get(n) is not None for n in FIGURES) and not raw.extra:
        report.errors.append((raw.number, "—", gettext("没有任何指标数据")))
        return None
    if not any(parsed.get(n) for n in ("variant", "external_id", "url", "title")):
        report.errors.append((raw.number, ctx.column("title"),
                              gettext("无法识别是哪条发布：需要发布ID、平台内容ID、链接或标题之一")))  # fmt: skip
        return None
    text = parsed.pop("account", "")
    parsed["account"] = ctx.batch.account
    if text:
        parsed["account"] = look.account_named(text)
        if parsed["account"] is None:
            report.errors.append((raw.number, ctx.column("account"),
                                  gettext("找不到%(platform)s账号“%(name)s”，或没有该账号的导入权限")
                                  % {"platform": ctx.platform, "name": text}))  # fmt: skip
            return None
    return parsed


def _match(parsed: dict[str, Any], look: _Lookups) -> tuple[int | None, str, str]:
    """(post id, how, problem): how is id / external_id / url / title; problem is an error."""
    if parsed.get("variant"):
        found = parsed["variant"] if parsed["variant"] in look.posts else None
        return (
            found,
            "id",
            ""
            if found
            else gettext("找不到已发布的%(platform)s发布 #%(id)s")
            % {"platform": look.ctx.platform, "id": parsed["variant"]},
        )
    for key, index, how in (("external_id", look.by_external, "external_id"),
                            ("url", look.by_url, "url")):  # fmt: skip
        value = parsed.get(key)
        ids = index.get(normalise_url(value) if key == "url" else value, []) if value else []
        if len(ids) > 1:
            return None, how, gettext("匹配到多条发布，请改用 MediaDesk 发布ID")
        if ids:
            return ids[0], how, ""
    return _match_title(parsed, look), "title", ""


def _match_title(parsed: dict[str, Any], look: _Lookups) -> int | None:
    account, published_at, title = (
        parsed["account"],
        parsed.get("published_at"),
        parsed.get("title"),
    )
    if account is None or published_at is None or not title:
        return None
    wanted = normalise_title(title)
    best, best_ratio = None, FUZZY_MIN_SIMILARITY
    for pk in look.by_day.get((account.pk, aggregates.local_date(published_at)), []):  # type: ignore[arg-type]
        post = look.posts[pk]
        for candidate in {post["title"], post["item__title"]} - {""}:
            ratio = difflib.SequenceMatcher(None, wanted, normalise_title(candidate)).ratio()
            if ratio >= best_ratio:
                best, best_ratio = pk, ratio
    return best


def _check(raw: RawRow, parsed: dict[str, Any], look: _Lookups, report: Report) -> None:
    """Match one prepared row to a post and add it to the report (or its errors)."""
    ctx, number = look.ctx, raw.number
    variant_id, how, problem = _match(parsed, look)
    if problem:
        report.errors.append((number, ctx.column({"id": "variant"}.get(how, how)), problem))
        return
    account, post = parsed["account"], look.posts.get(variant_id) if variant_id else None
    if post is not None and post["account_id"] not in look.accounts:
        report.errors.append(
            (number, ctx.column("account"), gettext("没有该发布所在账号的导入权限"))
        )
        return
    if post is not None and account is not None and post["account_id"] != account.pk:
        owner = look.accounts[post["account_id"]].name
        report.errors.append(
            (number, ctx.column("account"), gettext("该发布属于账号“%(owner)s”") % {"owner": owner})
        )
        return
    if (
        how == "title"
        and variant_id is not None
        and not _fuzzy_ok(number, variant_id, post, report, ctx)
    ):
        return
    row = _checked(raw, parsed, post, "new" if post is None else how, ctx, report)
    if row is not None and _unique(row, look, report):
        report.rows.append(row)


def _fuzzy_ok(number: int, variant_id: int, post: Any, report: Report, ctx: Context) -> bool:
    label = f"{post['title'] or post['item__title']}（{timezone.localtime(post['published_at']):%Y-%m-%d %H:%M}）"
    report.fuzzy.append((number, variant_id, label))
    accepted = ctx.accept_fuzzy is True or (
        isinstance(ctx.accept_fuzzy, dict) and ctx.accept_fuzzy.get(number) == variant_id
    )
    if not accepted:
        report.skipped.append(number)
    return accepted


def _checked(raw: RawRow, parsed: dict[str, Any], post: dict[str, Any] | None, how: str,
             ctx: Context, report: Report) -> Checked | None:  # fmt: skip
    account = parsed["account"]
    published_at = post["published_at"] if post else parsed.get("published_at")
    new_key = None
    if post is None:
        problem = _unplanned_problem(account, published_at, ctx)
        if problem:
            report.errors.append((raw.number, *problem))
            return None
        new_key = _new_key(parsed, account)
    taken_at = parsed.get("taken_at") or ctx.batch.as_of
    if published_at is not None and taken_at < published_at:
        column = ctx.column("taken_at") if parsed.get("taken_at") else gettext("数据截至")
        report.errors.append((raw.number, column, gettext("统计时间早于发布时间")))
        return None
    return Checked(
        number=raw.number, extra=raw.extra, taken_at=taken_at, has_time=bool(parsed.get("taken_at")),
        figures={n: parsed[n] for n in FIGURES if n in parsed},
        variant_id=post["id"] if post else None, new_key=new_key,
        account_id=post["account_id"] if post else account.pk, published_at=published_at,
        title=parsed.get("title") or "", url=parsed.get("url") or "",
        external_id=parsed.get("external_id") or "", match=how,
    )  # fmt: skip


def _unplanned_problem(
    account: Account | None, published_at: Any, ctx: Context
) -> tuple[str, str] | None:
    if account is None:
        return ctx.column("account"), gettext(
            "找不到匹配的发布；新建计划外发布需要账号（上传时选择账号，或提供“账号”列）"
        )
    if published_at is None:
        return ctx.column("published_at"), gettext("找不到匹配的发布；新建计划外发布需要发布时间")
    return None


def _new_key(parsed: dict[str, Any], account: Account) -> tuple[Any, ...]:
    if parsed.get("external_id"):
        return ("external_id", parsed["external_id"])
    if parsed.get("url"):
        return ("url", normalise_url(parsed["url"]))
    day = aggregates.local_date(parsed["published_at"])
    return ("title", account.pk, day, normalise_title(parsed.get("title") or ""))


def _unique(row: Checked, look: _Lookups, report: Report) -> bool:
    key = (row.variant_id or row.new_key, row.taken_at)
    if key in look.seen:
        report.errors.append(
            (
                row.number,
                "—",
                gettext("与第 %(n)s 行重复（同一发布、同一统计时间）") % {"n": look.seen[key]},
            )
        )
        return False
    look.seen[key] = row.number
    return True


def validate(
    rows: Iterable[RawRow], ctx: Context, *, on_progress: Callable[[int], bool] | None = None
) -> Report:
    """Parse, check and match every row; writes nothing. `on_progress(rows done)` returning
    False cancels (raises Cancelled)."""
    look, report = _Lookups(ctx), Report()
    for chunk in aggregates.chunks(rows, 1000):
        prepared = [(raw, _prepare(raw, ctx, look, report)) for raw in chunk]
        usable = [(raw, parsed) for raw, parsed in prepared if parsed is not None]
        look.load(usable)
        for raw, parsed in usable:
            _check(raw, parsed, look, report)
        report.total += len(chunk)
        if on_progress is not None and on_progress(report.total) is False:
            raise Cancelled
    report.errors.sort()
    return report


# ------------------------------------------------------------------ writing


def write(report: Report, ctx: Context) -> Report:
    """Write the report's valid rows, the unplanned posts and the aggregates in one
    transaction, and record the batch's outcome with one audit entry."""
    require_import(ctx.user)
    with transaction.atomic():
        new_posts = _create_unplanned(report.rows, ctx)
        report.unplanned = len(new_posts)
        created: set[int] = set()
        updated: set[int] = set()
        inserted: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for chunk in aggregates.chunks(report.rows, WRITE_CHUNK):
            _write_chunk(chunk, new_posts, ctx, report, created, updated, inserted)
        aggregates.refresh_posts(
            created | updated, batch_id=ctx.batch.pk, appended=created - updated,
            inserted=inserted,
        )  # fmt: skip
        finish(report, ctx)
    return report


def _create_unplanned(rows: list[Checked], ctx: Context) -> dict[tuple[Any, ...], int]:
    firsts: dict[tuple[Any, ...], Checked] = {}
    for row in rows:
        if row.new_key is not None:
            firsts.setdefault(row.new_key, row)
    if not firsts:
        return {}
    accounts = Account.objects.select_related("custodian").in_bulk(
        {r.account_id for r in firsts.values()}
    )
    items, variants = [], []
    for row in firsts.values():
        account = accounts[row.account_id]
        custodian = account.custodian if account.custodian and account.custodian.is_active else None
        owner = custodian or ctx.user
        item = ContentItem(
            organisation=ctx.organisation, company_id=account.company_id, project_id=account.project_id,
            title=(row.title or gettext("（计划外发布）"))[:120], owner=owner, created_by=ctx.user,
            form=PLATFORM_FORM.get(ctx.platform.code, Form.OTHER), status=Status.PUBLISHED,
            is_unplanned=True,
        )  # fmt: skip
        items.append(item)
        variants.append(Variant(
            item=item, organisation=ctx.organisation, company_id=account.company_id,
            project_id=account.project_id, owner=owner, account=account, platform=ctx.platform,
            status=Status.PUBLISHED, title=row.title, published_at=row.published_at,
            published_url=row.url, external_id=row.external_id,
        ))  # fmt: skip
    ContentItem.objects.bulk_create(items, batch_size=500)
    for variant in variants:
        variant.item_id = variant.item.pk
    Variant.objects.bulk_create(variants, batch_size=500)
    return {key: v.pk for key, v in zip(firsts, variants, strict=True)}


SNAPSHOT_COMPARED = ("id", "variant_id", "taken_at", *FIGURES, "extra")


def _same(snapshot: dict[str, Any], row: Checked) -> bool:
    return all(snapshot[n] == v for n, v in row.figures.items()) and all(
        snapshot["extra"].get(k) == v for k, v in row.extra.items()
    )


def _existing(
    chunk: list[Checked], ids: list[int]
) -> tuple[dict[Any, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Snapshots at the rows' exact times, and each post's latest snapshot (as plain dicts:
    model instances for every row dominated re-imports)."""
    exact = MetricSnapshot.objects.filter(
        variant_id__in=ids, taken_at__in={r.taken_at for r in chunk}
    ).values(*SNAPSHOT_COMPARED)
    latest_ids = PostMetrics.objects.filter(variant_id__in=ids, latest__isnull=False).values(
        "latest_id"
    )
    latest = MetricSnapshot.objects.filter(pk__in=latest_ids).values(*SNAPSHOT_COMPARED)
    return {(s["variant_id"], s["taken_at"]): s for s in exact}, {
        s["variant_id"]: s for s in latest
    }


WRITE_CHUNK = 5000  # rows per round of look-ups and inserts


def _write_chunk(chunk: list[Checked], new_posts: dict[tuple[Any, ...], int], ctx: Context,
                 report: Report, created: set[int], updated: set[int],
                 inserted: dict[int, list[dict[str, Any]]]) -> None:  # fmt: skip
    """Insert the chunk's new snapshots and correct changed ones; the posts that gained or
    changed snapshots are added to `created` / `updated`, the inserted snapshots' values
    (no ids yet) to `inserted`, per post in insertion order."""
    ids = [row.variant_id or new_posts[row.new_key] for row in chunk]  # type: ignore[index]
    exact, latest = _existing(chunk, ids)
    create, update = [], []
    for row, variant_id in zip(chunk, ids, strict=True):
        found = exact.get((variant_id, row.taken_at))
        if (
            found is None
            and not row.has_time
            and variant_id in latest
            and _same(latest[variant_id], row)
        ):
            report.unchanged += 1
        elif found is None:
            create.append((row, variant_id))
        elif _same(found, row):
            report.unchanged += 1
        else:
            update.append(_corrected(found, row, ctx))
    values = [_snapshot_row(r, v, ctx) for r, v in create]
    aggregates.insert_rows(MetricSnapshot, SNAPSHOT_INSERT, values)
    for value in values:
        inserted[value[0]].append(dict(zip(SNAPSHOT_INSERT[:PASSED], value[:PASSED], strict=True)))
    fields = [*FIGURES, "extra", "batch", "source", "recorded_at"]
    MetricSnapshot.objects.bulk_update(update, fields, batch_size=200)
    report.created += len(create)
    report.updated += len(update)
    created.update(variant_id for _, variant_id in create)
    updated.update(s.variant_id for s in update)


def _corrected(found: dict[str, Any], row: Checked, ctx: Context) -> MetricSnapshot:
    """An existing snapshot with the row's figures (unreported figures keep their values)."""
    figures = {name: found[name] for name in FIGURES} | row.figures
    return MetricSnapshot(
        pk=found["id"], variant_id=found["variant_id"], **figures,
        extra={**found["extra"], **row.extra}, batch=ctx.batch, source=ctx.batch.source,
        recorded_at=timezone.now(),
    )  # fmt: skip


SNAPSHOT_INSERT = ["variant_id", "organisation_id", "taken_at", "hours_after_publish", *FIGURES,
                   "extra", "source", "batch_id", "recorded_at"]  # fmt: skip
PASSED = 4 + len(FIGURES)  # the leading columns refresh_posts needs (variant … figures)


def _snapshot_row(row: Checked, variant_id: int, ctx: Context) -> tuple[Any, ...]:
    """A new snapshot's column values in SNAPSHOT_INSERT order."""
    figures = tuple(row.figures.get(name) for name in FIGURES)
    hours = rules.hours_after(row.published_at, row.taken_at)
    return (variant_id, ctx.organisation.pk, row.taken_at, hours, *figures, row.extra,
            ctx.batch.source, ctx.batch.pk, timezone.now())  # fmt: skip


def finish(report: Report, ctx: Context) -> None:
    """Store the batch's outcome and record it with one audit entry."""
    batch = ctx.batch
    counts = {"total_rows": report.total, "created": report.created, "updated": report.updated,
              "unchanged": report.unchanged, "unplanned": report.unplanned,
              "rejected": report.rejected_rows, "fuzzy": len(report.fuzzy)}  # fmt: skip
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE, progress=100, finished_at=timezone.now(), **counts
    )
    for name, value in counts.items():
        setattr(batch, name, value)
    batch.status = ImportBatch.Status.DONE
    audit.record(
        actor=ctx.user, action="metrics.import", target=batch,
        changes={"file": [None, batch.filename], "kind": [None, batch.kind],
                 **{k: [None, v] for k, v in counts.items()}},
    )  # fmt: skip


# ------------------------------------------------------------------ settings and daily figures

SETTINGS_FIELDS = ("count_favourites", "evaluation_hours", "exceed_ratio")


def update_settings(
    organisation: Organisation, *, by: Any, values: dict[str, Any]
) -> AnalyticsSettings:
    """Change the organisation's KPI settings and rebuild its aggregates (their figures depend
    on the 收藏 choice and the evaluation hour)."""
    scopes.require(_org_wide(by, organisation), gettext("只有全组织范围的数据分析权限可以修改设置"))
    with transaction.atomic():
        current, _ = AnalyticsSettings.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        before = audit.snapshot(current, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            if name in values:
                setattr(current, name, values[name])
        current.full_clean()
        current.save()
        changes = audit.diff(before, audit.snapshot(current, SETTINGS_FIELDS))
        if changes:
            audit.record(actor=by, action="metrics.settings", target=current, changes=changes)
            aggregates.rebuild_aggregates(organisation.pk)
    return current


def _org_wide(user: Any, organisation: Organisation) -> bool:
    return any(
        g.organisation_id == organisation.pk and g.company_id is None
        for g in scopes.grants(user)
        if Perm.ANALYTICS_EDIT in perms_of({g.role})
    )


def record_account_daily(
    account: Account, *, by: Any, date: dt.date, values: dict[str, Any], source: str = Source.MANUAL
) -> AccountDaily:
    """Upsert one day of an account's figures (粉丝数, 新增, 取关, 分渠道阅读)."""
    scopes.require(
        scopes.allows(by, Perm.ANALYTICS_IMPORT, account), gettext("没有该账号的导入权限")
    )
    allowed = {"followers", "new_followers", "cancelled_followers", "reads_by_source"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError({name: gettext("不支持的字段") for name in unknown})
    with transaction.atomic():
        row, created = AccountDaily.objects.select_for_update().get_or_create(
            account=account, date=date,
            defaults={"organisation_id": account.organisation_id, "source": source, **values},
        )  # fmt: skip
        if not created:
            for name, value in values.items():
                setattr(row, name, value)
            row.source = source
            row.save()
        audit.record(actor=by, action="metrics.account_daily", target=account,
                     changes={"date": [None, date.isoformat()], **{k: [None, v] for k, v in values.items()}})  # fmt: skip
    return row
