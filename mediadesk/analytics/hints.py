"""Generated hints of template 3 (亮点/问题分析, 优化建议) and the 归因 tags they seed.

Pure: `hints_for(facts)` turns one post's facts (its evaluated figures, the account's median
rate for the form, its publish time and best windows, its topic's rate, its tags, its target
achievement) into hints that each cite the figures they rest on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from mediadesk.analytics import rules
from mediadesk.analytics.models import Attribution

WEEKDAYS = (
    gettext_noop("周一"),
    gettext_noop("周二"),
    gettext_noop("周三"),
    gettext_noop("周四"),
    gettext_noop("周五"),
    gettext_noop("周六"),
    gettext_noop("周日"),
)
STRONG = Decimal("1.5")  # 1.5 × the median counts as over-performing
WEAK_TOPIC = Decimal("0.8")  # a topic below 80 % of the overall rate under-performs


@dataclass(frozen=True)
class Window:
    """A best-time window (weekend-only or every day), hours in Beijing time."""

    starts: dt.time
    ends: dt.time
    weekend: bool = False

    def contains(self, when: dt.datetime) -> bool:
        if self.weekend and when.weekday() < 5:
            return False
        return self.starts <= when.time() < self.ends

    def text(self) -> str:
        span = f"{self.starts:%H:%M}–{self.ends:%H:%M}"
        return gettext("周末%(span)s") % {"span": span} if self.weekend else span


@dataclass(frozen=True)
class Feedback:
    """Comments on one post by sentiment and the top negative types (from engagement)."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    negative_types: Sequence[str] = ()

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    def share(self, count: int) -> Decimal | None:
        return Decimal(count) / Decimal(self.total) if self.total else None


# Apps that know a post's comments (engagement) register a provider: variant ids → Feedback.
FeedbackProvider = Callable[[Sequence[int]], Mapping[int, Feedback]]
FEEDBACK_PROVIDERS: list[FeedbackProvider] = []


def register_feedback(provider: FeedbackProvider) -> None:
    """Plug in a source of per-post comment feedback (called from an AppConfig.ready())."""
    if provider not in FEEDBACK_PROVIDERS:
        FEEDBACK_PROVIDERS.append(provider)


def feedback_for(variant_ids: Sequence[int]) -> dict[int, Feedback]:
    out: dict[int, Feedback] = {}
    for provider in FEEDBACK_PROVIDERS:
        out.update(provider(variant_ids))
    return out


MIN_COMMENTS = 5  # fewer comments say nothing about the audience's reaction
NEGATIVE_SHARE = Decimal("0.3")
POSITIVE_SHARE = Decimal("0.6")


@dataclass(frozen=True)
class Facts:
    """What the hints look at for one post (times are Beijing time)."""

    rate: rules.Ratio  # 互动率 = 互动量 / 曝光量 at the evaluation snapshot
    form_label: str = ""
    account_median: Decimal | None = None  # the account's median rate for this form
    published_at: dt.datetime | None = None
    windows: Sequence[Window] = ()
    topic: str = ""
    topic_rate: rules.Ratio | None = None
    overall_rate: rules.Ratio | None = None
    series: str = ""
    kol: str = ""  # @提及 of the post
    hot_topic: str = ""  # #话题# of the post
    achievements: Sequence[tuple[str, rules.Ratio]] = ()  # (目标名, actual / target)
    status: rules.TargetStatus = rules.TargetStatus.NO_TARGET
    feedback: Feedback | None = None


@dataclass(frozen=True)
class Hint:
    """One hint: 'problem', 'highlight' or 'suggestion', with the 归因 tag it suggests."""

    kind: str
    text: str
    tag: str = ""


@dataclass
class Hints:
    items: list[Hint] = field(default_factory=list)

    def text(self, *kinds: str) -> str:
        return gettext("；").join(h.text for h in self.items if h.kind in kinds)

    @property
    def analysis(self) -> str:
        """The 亮点/问题分析 column."""
        return self.text("highlight", "problem")

    @property
    def suggestion(self) -> str:
        """The 优化建议 column."""
        return self.text("suggestion")

    @property
    def tags(self) -> list[str]:
        return list(dict.fromkeys(h.tag for h in self.items if h.tag))


def pct(value: Decimal | None) -> str:
    return rules.percent(value)


def hints_for(facts: Facts) -> Hints:
    """Every hint that applies to the post, in a stable order."""
    out = Hints()
    for rule in (_target, _median, _timing, _topic, _boost, _comments):
        out.items.extend(rule(facts))
    return out


def _target(f: Facts) -> list[Hint]:
    cited = gettext("，").join(
        gettext("%(name)s达成率 %(rate)s（%(actual)s/%(target)s）")
        % {
            "name": name,
            "rate": r.percent(),
            "actual": f"{r.numerator:,}",
            "target": f"{r.denominator:,}",
        }
        for name, r in f.achievements
        if r.value is not None
    )
    if f.status == rules.TargetStatus.MISSED:
        return [
            Hint("problem", gettext("未达标：%(cited)s") % {"cited": cited}),
            Hint("suggestion", gettext("复盘选题与发布时段，下次设定目标前参考同类内容的中位数")),
        ]
    if f.status == rules.TargetStatus.EXCEEDED:
        return [Hint("highlight", gettext("超额达标：%(cited)s") % {"cited": cited})]
    return []


def _median(f: Facts) -> list[Hint]:
    value, median = f.rate.value, f.account_median
    if value is None or median is None or median == 0:
        return []
    base = gettext("互动率 %(rate)s（%(num)s/%(den)s）") % {
        "rate": f.rate.percent(),
        "num": f"{f.rate.numerator:,}",
        "den": f"{f.rate.denominator:,}",
    }
    form = f.form_label or gettext("同形式")
    if value < median:
        text = gettext("%(base)s低于本账号%(form)s中位数 %(median)s")
        return [
            Hint(
                "problem",
                text % {"base": base, "form": form, "median": pct(median)},
                Attribution.WEAK_CONTENT,
            ),
            Hint(
                "suggestion",
                gettext("优化标题与开头3秒/首屏，增加互动引导（提问、投票、评论区置顶）"),
            ),
        ]
    if value >= median * STRONG:
        times = (value / median).quantize(Decimal("0.1"))
        text = gettext("%(base)s达本账号%(form)s中位数 %(median)s 的 %(times)s 倍")
        return [
            Hint(
                "highlight",
                text % {"base": base, "form": form, "median": pct(median), "times": times},
            )
        ]
    return []


def _timing(f: Facts) -> list[Hint]:
    if f.published_at is None or not f.windows:
        return []
    if any(w.contains(f.published_at) for w in f.windows):
        return []
    when = f"{gettext(WEEKDAYS[f.published_at.weekday()])} {f.published_at:%H:%M}"
    best = gettext("、").join(w.text() for w in f.windows)
    return [
        Hint(
            "problem",
            gettext("发布于 %(when)s，不在最佳时段（%(best)s）") % {"when": when, "best": best},
            Attribution.BAD_TIME,
        ),
        Hint("suggestion", gettext("改在 %(best)s 发布") % {"best": best}),
    ]


def _topic(f: Facts) -> list[Hint]:
    if not f.topic or f.topic_rate is None or f.overall_rate is None:
        return []
    topic, overall = f.topic_rate.value, f.overall_rate.value
    if topic is None or overall is None or topic >= overall * WEAK_TOPIC:
        return []
    return [
        Hint(
            "problem",
            gettext("主题“%(topic)s”近90天互动率 %(rate)s，低于同账号整体 %(overall)s")
            % {"topic": f.topic, "rate": pct(topic), "overall": pct(overall)},
            Attribution.WEAK_CONTENT,
        ),
        Hint("suggestion", gettext("减少“%(topic)s”类选题占比，或换角度重做") % {"topic": f.topic}),
    ]


def _boost(f: Facts) -> list[Hint]:
    value, median = f.rate.value, f.account_median
    if value is None or not median or value < median * STRONG:
        return []
    out = []
    if f.kol:
        out.append(
            Hint(
                "highlight",
                gettext("合作达人 %(kol)s 带动，互动率 %(rate)s")
                % {"kol": f.kol, "rate": f.rate.percent()},
                Attribution.KOL,
            )
        )
    if f.hot_topic:
        out.append(
            Hint(
                "highlight",
                gettext("借势热点 %(topic)s，互动率 %(rate)s")
                % {"topic": f.hot_topic, "rate": f.rate.percent()},
                Attribution.HOT_TOPIC,
            )
        )
    if f.series:
        out.append(Hint("highlight", gettext("专辑“%(name)s”的固定栏目效应") % {"name": f.series}))
    if out:
        out.append(Hint("suggestion", gettext("复制该打法：同类达人/热点/栏目继续排期")))
    return out


def _comments(f: Facts) -> list[Hint]:
    """用户反馈: 正面评论占比 and the top negative types (at least MIN_COMMENTS comments)."""
    fb = f.feedback
    if fb is None or fb.total < MIN_COMMENTS:
        return []
    positive, negative = fb.share(fb.positive), fb.share(fb.negative)
    cited = gettext("正面评论占比 %(share)s（%(n)s/%(total)s）") % {
        "share": pct(positive),
        "n": fb.positive,
        "total": fb.total,
    }
    if negative is not None and negative >= NEGATIVE_SHARE:
        types = gettext("、").join(fb.negative_types) or gettext("未分类")
        return [
            Hint(
                "problem",
                gettext("%(cited)s，负面 %(n)s 条，主要为：%(types)s")
                % {"cited": cited, "n": fb.negative, "types": types},
            ),
            Hint(
                "suggestion",
                gettext("针对“%(types)s”类负面在评论区统一口径回应，并跟进处理结果")
                % {"types": types},
            ),
        ]
    if positive is not None and positive >= POSITIVE_SHARE:
        return [Hint("highlight", cited)]
    return []


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median of the values (None for none)."""
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
