"""Reads of the dashboards, the template-3 monitoring table and the report.

Everything here reads the aggregates (PostMetrics, DailyTotals, SeriesTotals, OwnerTotals,
AccountDaily, MiniProgramDaily) — never a scan of raw snapshots — and is scoped to where the
user holds analytics.view. KPI arithmetic is rules.py's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from mediadesk.analytics import hints, rules
from mediadesk.analytics.models import (
    ABTest,
    AccountDaily,
    AnalyticsSettings,
    BenchmarkAccount,
    MiniProgramDaily,
    PostAnalysis,
    PostMetrics,
    attribution_label,
)
from mediadesk.content.models import BestTime, Form
from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.orgs.roles import Perm

MEDIAN_DAYS = 90  # the account's median rate is taken over the 90 days before the period ends
FORM_LABELS = dict(Form.choices)


def require_view(user: Any) -> None:
    """403 unless the user may see analytics somewhere."""
    if not scopes.has_perm(user, Perm.ANALYTICS_VIEW):
        raise PermissionDenied(gettext("没有数据分析查看权限"))


@dataclass(frozen=True)
class Filters:
    """The period and dimensions of a table or dashboard (inclusive dates, Beijing time)."""

    start: dt.date
    end: dt.date
    platform: str | None = None
    account: int | None = None
    series: int | None = None
    owner: int | None = None
    project: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one (环比)."""
        end = self.start - dt.timedelta(days=1)
        return Filters(
            end - dt.timedelta(days=self.days - 1),
            end,
            self.platform,
            self.account,
            self.series,
            self.owner,
            self.project,
        )


def default_period(days: int = 30) -> tuple[dt.date, dt.date]:
    """The last `days` days up to today (Beijing time)."""
    today = timezone.localdate()
    return today - dt.timedelta(days=days - 1), today


def _dims(f: Filters, *, date_field: str, post_level: bool) -> Q:
    q = Q(**{f"{date_field}__gte": f.start, f"{date_field}__lte": f.end})
    if f.platform:
        q &= Q(platform__code=f.platform)
    if f.account:
        q &= Q(account_id=f.account)
    if f.project:
        q &= Q(project_id=f.project)
    if post_level and f.series:
        q &= Q(series_id=f.series)
    if post_level and f.owner:
        q &= Q(owner_id=f.owner)
    return q


def posts(user: Any, f: Filters) -> QuerySet[PostMetrics]:
    """The posts published in the period, in the user's scope (template 3's rows)."""
    require_view(user)
    return PostMetrics.objects.filter(
        scopes.scope_q(user, Perm.ANALYTICS_VIEW),
        _dims(f, date_field="published_on", post_level=True),
    )


# ------------------------------------------------------------------ template 3


@dataclass
class Row:
    """One row of 数据监测与分析表 (template 3)."""

    variant_id: int
    published_date: dt.date | None
    topic: str
    platform: str
    account: str
    account_id: int
    exposure: int | None
    interactions: int | None
    rate: rules.Ratio
    conversions: int | None
    status: rules.TargetStatus
    achievements: list[tuple[str, rules.Ratio]]
    analysis: str
    suggestion: str
    tags: list[str]
    edited: bool
    hints: hints.Hints = field(default_factory=hints.Hints)

    @property
    def tag_labels(self) -> list[str]:
        return [attribution_label(t) for t in self.tags]

    def as_json(self) -> dict[str, Any]:
        """The API's object (keys of 03-analytics.md)."""
        return {
            "published_date": self.published_date,
            "topic": self.topic,
            "platform": self.platform,
            "exposure": self.exposure,
            "interactions": self.interactions,
            "interaction_rate": self.rate.percent(),
            "conversions": self.conversions,
            "target_status": str(self.status.label),
            "analysis": self.analysis,
            "suggestion": self.suggestion,
        }

    def as_cells(self) -> list[Any]:
        """The Excel row, in the order of MONITORING_HEADERS."""
        return [
            self.published_date,
            self.topic,
            self.platform,
            self.exposure,
            self.interactions,
            self.rate.percent(),
            self.conversions,
            str(self.status.label),
            self.analysis,
            self.suggestion,
        ]


MONITORING_HEADERS = (
    gettext_noop("发布日期"),
    gettext_noop("内容主题"),
    gettext_noop("平台"),
    gettext_noop("曝光量"),
    gettext_noop("互动量(点赞+评论+转发)"),
    gettext_noop("互动率"),
    gettext_noop("转化量"),
    gettext_noop("达标情况(对比目标)"),
    gettext_noop("亮点/问题分析"),
    gettext_noop("优化建议"),
)


def ordered(qs: QuerySet[PostMetrics]) -> QuerySet[PostMetrics]:
    """Template 3's order and joins (newest first)."""
    return qs.select_related(
        "platform", "account", "category", "series", "variant__item", "variant__analysis"
    ).order_by("-published_on", "-variant_id")


def monitoring_rows(f: Filters, metrics: Iterable[PostMetrics]) -> list[Row]:
    """Template-3 rows of the given posts, with generated hints where no analyst text exists."""
    metrics = list(metrics)
    if not metrics:
        return []
    policy = AnalyticsSettings.of(metrics[0].organisation_id).policy()
    ctx = _HintContext(f, metrics)
    return [_row(m, policy, ctx) for m in metrics]


def _achievements(m: PostMetrics) -> list[tuple[str, rules.Ratio, int | None]]:
    item = m.variant.item
    return [
        (name, rules.achievement(actual, target), target)
        for name, actual, target in (
            ("曝光/播放", m.eval_exposure, item.target_exposure),
            ("互动", m.eval_interactions, item.target_interactions),
            ("转化", m.eval_conversions, item.target_conversions),
        )
        if target
    ]


def _row(m: PostMetrics, policy: rules.Policy, ctx: _HintContext) -> Row:
    item, variant = m.variant.item, m.variant
    goals = _achievements(m)
    actual = {"曝光/播放": m.eval_exposure, "互动": m.eval_interactions, "转化": m.eval_conversions}
    status = rules.target_status([(actual[n], t) for n, _, t in goals], policy)
    rate = rules.Ratio(m.eval_interactions, m.eval_exposure)
    shown = [(gettext(n), r) for n, r, _ in goals]
    generated = hints.hints_for(ctx.facts(m, rate, shown, status))
    note: PostAnalysis | None = getattr(variant, "analysis", None)
    title = variant.title or item.title
    return Row(
        variant_id=m.variant_id,
        published_date=m.published_on,
        topic=f"{m.category.name}｜{title}" if m.category else title,
        platform=m.platform.name,
        account=m.account.name,
        account_id=m.account_id,
        exposure=m.eval_exposure,
        interactions=m.eval_interactions,
        rate=rate,
        conversions=m.eval_conversions,
        status=status,
        achievements=[(gettext(n), r) for n, r, _ in goals],
        analysis=note.analysis if note else generated.analysis,
        suggestion=note.suggestion if note else generated.suggestion,
        tags=list(note.tags) if note else generated.tags,
        edited=note is not None,
        hints=generated,
    )


class _HintContext:
    """What the hints compare a post with, loaded once for a page of rows: the history (90
    days before the period ends) of the accounts on the page gives each account's median
    rate per form, and each topic's rate against all of those accounts' posts — one query
    bounded by the page's accounts, not a scan of the whole period."""

    def __init__(self, f: Filters, metrics: list[PostMetrics]) -> None:
        history = _history({m.account_id for m in metrics}, f.end)
        self.medians = _medians(history)
        self.topics, self.overall = _topic_rates(history)
        self.windows = _windows({m.platform_id for m in metrics})
        self.feedback = hints.feedback_for([m.variant_id for m in metrics])

    def facts(
        self,
        m: PostMetrics,
        rate: rules.Ratio,
        goals: list[tuple[str, rules.Ratio]],
        status: rules.TargetStatus,
    ) -> hints.Facts:
        variant = m.variant
        return hints.Facts(
            rate=rate,
            form_label=gettext(str(FORM_LABELS.get(m.form, ""))) if m.form in FORM_LABELS else "",
            account_median=self.medians.get((m.account_id, m.form)),
            published_at=timezone.localtime(m.published_at) if m.published_at else None,
            windows=self.windows.get(m.platform_id, ()),
            topic=m.category.name if m.category else "",
            topic_rate=self.topics.get(m.category_id) if m.category_id else None,
            overall_rate=self.overall,
            series=m.series.name if m.series else "",
            kol=variant.mentions.strip(),
            hot_topic=variant.tags.strip() if "#" in variant.tags else "",
            achievements=goals,
            status=status,
            feedback=self.feedback.get(m.variant_id),
        )


History = list[tuple[int, str, int | None, int, int]]


def _history(account_ids: set[int], end: dt.date) -> History:
    """(account, form, category, 互动量, 曝光量) of the accounts' posts in the 90 days to `end`."""
    return list(
        PostMetrics.objects.filter(
            account_id__in=account_ids,
            published_on__gt=end - dt.timedelta(days=MEDIAN_DAYS),
            published_on__lte=end,
            eval_exposure__gt=0,
            eval_interactions__isnull=False,
        ).values_list("account_id", "form", "category_id", "eval_interactions", "eval_exposure")
    )


def _medians(history: History) -> dict[tuple[int, str], Decimal]:
    """Median 互动率 per (account, form)."""
    rates: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for account_id, form, _category, inter, exposure in history:
        rates[account_id, form].append(Decimal(inter) / Decimal(exposure))
    return {key: m for key, values in rates.items() if (m := hints.median(values)) is not None}


def _topic_rates(history: History) -> tuple[dict[int, rules.Ratio], rules.Ratio]:
    """互动率 per topic category, and over all the posts."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for _account, _form, category, inter, exposure in history:
        if category is not None:
            sums[category][0] += inter
            sums[category][1] += exposure
    overall = rules.Ratio(sum(h[3] for h in history), sum(h[4] for h in history))
    return {c: rules.Ratio(i, e) for c, (i, e) in sums.items()}, overall


def _windows(platform_ids: set[int]) -> dict[int, list[hints.Window]]:
    out: dict[int, list[hints.Window]] = defaultdict(list)
    for bt in BestTime.objects.filter(platform_id__in=platform_ids):
        out[bt.platform_id].append(hints.Window(bt.starts, bt.ends, bt.weekend))
    return out


# ------------------------------------------------------------------ overview dashboard

SUM_FIELDS = ("exposure", "interactions", "conversions", "posts")


@dataclass(frozen=True)
class Kpi:
    """A dashboard figure with its previous-period value (and its parts, for a rate)."""

    label: str
    value: Decimal | int | None
    previous: Decimal | int | None
    ratio: rules.Ratio | None = None

    @property
    def change(self) -> rules.Ratio | None:
        """环比 = (本期 − 上期) / 上期."""
        if self.value is None or not self.previous:
            return None
        return rules.Ratio(Decimal(self.value) - Decimal(self.previous), self.previous)

    @property
    def title(self) -> str:
        """The label in the user's language (`label` stays the Chinese key)."""
        return gettext(self.label)

    @property
    def display(self) -> str:
        if self.ratio is not None:
            return self.ratio.percent(2)
        return "—" if self.value is None else f"{self.value:,}"

    @property
    def previous_display(self) -> str:
        if self.ratio is not None:
            return rules.percent(Decimal(self.previous) if self.previous is not None else None, 2)
        return "—" if self.previous is None else f"{self.previous:,}"


def daily(user: Any, f: Filters) -> QuerySet[Any]:
    """DailyTotals (publish day × account) in the period and scope."""
    from mediadesk.analytics.models import DailyTotals

    require_view(user)
    return DailyTotals.objects.filter(
        scopes.scope_q(user, Perm.ANALYTICS_VIEW), _dims(f, date_field="date", post_level=False)
    )


def _sums(qs: QuerySet[Any]) -> dict[str, int]:
    row = qs.aggregate(**{n: Sum(n, default=0) for n in SUM_FIELDS})
    return {k: int(v) for k, v in row.items()}


def followers_daily(user: Any, f: Filters) -> QuerySet[AccountDaily]:
    """Account daily figures in the period and scope."""
    q = scopes.scope_q(user, Perm.ANALYTICS_VIEW, prefix="account__")
    qs = AccountDaily.objects.filter(q, date__gte=f.start, date__lte=f.end)
    if f.platform:
        qs = qs.filter(account__platform__code=f.platform)
    if f.account:
        qs = qs.filter(account_id=f.account)
    if f.project:
        qs = qs.filter(account__project_id=f.project)
    return qs


def _net_gain(qs: QuerySet[AccountDaily]) -> int | None:
    row = qs.filter(new_followers__isnull=False, cancelled_followers__isnull=False).aggregate(
        n=Sum("new_followers"), c=Sum("cancelled_followers")
    )
    return rules.net_gain(row["n"], row["c"])


def kpis(user: Any, f: Filters) -> list[Kpi]:
    """曝光量, 互动量, 互动率, 净增粉, 转化量 of the period against the previous one."""
    now, before = _sums(daily(user, f)), _sums(daily(user, f.previous()))
    rate_now = rules.Ratio(now["interactions"], now["exposure"])
    rate_before = rules.Ratio(before["interactions"], before["exposure"])
    return [
        Kpi(gettext_noop("发布数"), now["posts"], before["posts"]),
        Kpi(gettext_noop("曝光量"), now["exposure"], before["exposure"]),
        Kpi(gettext_noop("互动量"), now["interactions"], before["interactions"]),
        Kpi(gettext_noop("互动率"), rate_now.value, rate_before.value, ratio=rate_now),
        Kpi(
            gettext_noop("净增粉"),
            _net_gain(followers_daily(user, f)),
            _net_gain(followers_daily(user, f.previous())),
        ),
        Kpi(gettext_noop("转化量"), now["conversions"], before["conversions"]),
    ]


def _dates(f: Filters) -> list[dt.date]:
    return [f.start + dt.timedelta(days=i) for i in range(f.days)]


def charts(user: Any, f: Filters) -> dict[str, Any]:
    """The overview's chart data (for json_script)."""
    qs = daily(user, f).order_by()
    by_day = {r["date"]: r for r in qs.values("date").annotate(**_annotations())}
    gains = {
        r["date"]: (r["n"] or 0) - (r["c"] or 0)
        for r in followers_daily(user, f)
        .order_by()
        .values("date")
        .annotate(n=Sum("new_followers"), c=Sum("cancelled_followers"))
    }
    dates = _dates(f)
    series = {n: [int(by_day.get(d, {}).get(n, 0)) for d in dates] for n in SUM_FIELDS}
    return {
        "dates": [d.isoformat() for d in dates],
        **series,
        "rate": [
            _pct(i, e) for i, e in zip(series["interactions"], series["exposure"], strict=True)
        ],
        "net_gain": [gains.get(d, 0) for d in dates],
        "platforms": _grouped(qs, "platform__name"),
        "accounts": _grouped(qs, "account__name")[:10],
    }


def _annotations() -> dict[str, Any]:
    return {n: Sum(n) for n in SUM_FIELDS}


def _pct(numerator: int, denominator: int) -> float | None:
    value = rules.Ratio(numerator, denominator).value
    return round(float(value * 100), 2) if value is not None else None


def _grouped(qs: QuerySet[Any], key: str) -> list[dict[str, Any]]:
    rows = qs.values(key).annotate(**_annotations()).order_by("-exposure")
    return [
        {
            "name": r[key],
            **{n: int(r[n] or 0) for n in SUM_FIELDS},
            "rate": _pct(int(r["interactions"] or 0), int(r["exposure"] or 0)),
        }
        for r in rows
    ]


def comparisons(user: Any, f: Filters) -> dict[str, list[dict[str, Any]]]:
    """专辑 / 主题 / 负责人 comparisons of the period's posts (from PostMetrics)."""
    qs = posts(user, f).order_by()
    out = {}
    for key, label in (
        ("series__name", "series"),
        ("category__name", "topic"),
        ("owner__display_name", "owner"),
    ):
        rows = (
            qs.values(key)
            .annotate(
                posts=Count("pk"),
                exposure=Sum("exposure"),
                interactions=Sum("interactions"),
                conversions=Sum("conversions"),
            )
            .order_by("-exposure")[:12]
        )
        out[label] = [
            {
                "name": r[key] or gettext("（未设置）"),
                "posts": r["posts"],
                "exposure": r["exposure"] or 0,
                "interactions": r["interactions"] or 0,
                "conversions": r["conversions"] or 0,
                "rate": rules.Ratio(r["interactions"], r["exposure"]),
            }
            for r in rows
        ]
    return out


# ------------------------------------------------------------------ 公众号 and 小程序 panels

ACTIVITY_DEFINITION = gettext_lazy(
    "活跃度 = (阅读人数 + 互动量) ÷ 期末粉丝数：每位粉丝在本期平均产生的阅读与互动"
)


def wechat_panel(user: Any, f: Filters) -> dict[str, rules.Ratio | int | None]:
    """公众号 KPIs of the period: 单篇阅读率, 转发率, 转化率, 关注人数, 活跃度.

    The figures are summed over the evaluation snapshots the aggregates point at (one per
    post, found through PostMetrics), not over all snapshots."""
    from mediadesk.analytics.models import MetricSnapshot

    mine = posts(
        user, Filters(f.start, f.end, "wechat_mp", f.account, f.series, f.owner, f.project)
    )
    names = (
        "message_reads",
        "delivered",
        "sharers",
        "readers",
        "follower_gain",
        "likes",
        "comments",
        "shares",
    )
    s = MetricSnapshot.objects.filter(pk__in=mine.values("evaluation_id")).aggregate(
        **{n: Sum(n) for n in names}, conv=Sum("conv_leads")
    )
    interactions = sum(s[n] or 0 for n in ("likes", "comments", "shares"))
    followers = _latest_followers(user, f, "wechat_mp")
    return {
        "read_rate": rules.Ratio(s["message_reads"], s["delivered"]),
        "share_rate": rules.Ratio(s["sharers"], s["readers"]),
        "conversion_rate": rules.Ratio(s["conv"], s["readers"]),
        "follows": s["follower_gain"],
        "activity": rules.Ratio(
            (s["readers"] or 0) + interactions if s["readers"] else None, followers
        ),
        "followers": followers,
    }


def _latest_followers(user: Any, f: Filters, platform: str) -> int | None:
    """Followers at the period's end: each account's last known daily figure, summed."""
    qs = followers_daily(user, Filters(f.start, f.end, platform, f.account, project=f.project))
    last: dict[int, int] = {}
    for account_id, followers in (
        qs.filter(followers__isnull=False).order_by("date").values_list("account_id", "followers")
    ):
        last[account_id] = followers
    return sum(last.values()) if last else None


MINI_DEFINITION = gettext_lazy(
    "浏览人数 = 期内每日访问人数之和；使用人数 = 日均访问人数；购买人数来自项目自有订单/线索数据"
)


def mini_panel(user: Any, f: Filters) -> dict[str, Any]:
    """小程序 KPIs of the period: 浏览人数, 使用人数, 购买人数 (and 购买转化率)."""
    require_view(user)
    q = scopes.scope_q(user, Perm.ANALYTICS_VIEW, prefix="account__") | scopes.scope_q(
        user, Perm.ANALYTICS_VIEW, prefix="project__"
    )
    s = MiniProgramDaily.objects.filter(q, date__gte=f.start, date__lte=f.end).aggregate(
        uv=Sum("visit_uv"), buyers=Sum("buyers"), days=Count("date", distinct=True)
    )
    return {
        "viewers": s["uv"],
        "users": (s["uv"] // s["days"]) if s["uv"] is not None and s["days"] else None,
        "buyers": s["buyers"],
        "buy_rate": rules.Ratio(s["buyers"], s["uv"]),
    }


def visible_abtests(user: Any) -> QuerySet[ABTest]:
    """The A/B tests in the user's analytics scopes (group-level ones for everyone)."""
    return ABTest.objects.filter(scopes.scope_q(user, Perm.ANALYTICS_VIEW, shared=True))


def visible_benchmarks(user: Any) -> QuerySet[BenchmarkAccount]:
    """The active competitor accounts in the user's analytics scopes."""
    return BenchmarkAccount.objects.filter(
        scopes.scope_q(user, Perm.ANALYTICS_VIEW, shared=True), is_active=True
    )
