"""The KPI engine (03-analytics.md · KPIs; domain-cn §3.6): pure functions over raw figures.

Every ratio KPI is a `Ratio` carrying its numerator and denominator; its value is None (shown
"—") when the denominator is 0 or unknown, or the numerator is unknown. Exact arithmetic in
Decimal; rounding happens only for display.

达标情况 (target status) of a post with several target figures (曝光/播放, 互动, 转化):
- 未达标: some target with known actual figure is below 100 %;
- 达标: every target reached (≥ 100 %), none by the exceed margin;
- 超额达标: every target reached and at least one reached ≥ `exceed_ratio` (110 % default);
- 数据不足: a target's actual figure is unknown (and none is already missed);
- 无目标: the item sets no target.
Template 3's rows: 8,200 互动 vs 1万+ → 82 % → 未达标; 播放 55万 vs 50万+ (110 %) and 转化
2,200 vs 2,000+ (110 %) → 超额达标.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

Number = int | Decimal
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Policy:
    """An organisation's KPI choices (AnalyticsSettings.policy())."""

    count_favourites: bool = False
    evaluation_hours: int = 72
    exceed_ratio: Decimal = Decimal("1.10")


@dataclass(frozen=True)
class Figures:
    """Raw figures of one snapshot (or sums over several posts); None = not reported."""

    impressions: int | None = None
    reads: int | None = None
    readers: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    sharers: int | None = None
    favourites: int | None = None
    zaikan: int | None = None
    follower_gain: int | None = None
    clicks: int | None = None
    delivered: int | None = None
    message_reads: int | None = None
    conv_leads: int | None = None
    conv_registrations: int | None = None
    conv_purchases: int | None = None
    conv_consultations: int | None = None
    completion_rate: Decimal | None = None
    bounce_2s: Decimal | None = None
    completion_5s: Decimal | None = None
    read_completion: Decimal | None = None
    avg_play_seconds: Decimal | None = None


FIGURE_NAMES = tuple(f.name for f in fields(Figures))
CONVERSION_KINDS = ("conv_leads", "conv_registrations", "conv_purchases", "conv_consultations")


@dataclass(frozen=True)
class Ratio:
    """A KPI shown with its numerator and denominator."""

    numerator: Number | None
    denominator: Number | None

    @property
    def value(self) -> Decimal | None:
        """numerator / denominator, or None when it cannot be computed."""
        if self.numerator is None or not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    def percent(self, places: int = 1) -> str:
        """ "2.9%" (half-up) or "—"."""
        return percent(self.value, places)


def percent(value: Decimal | None, places: int = 1) -> str:
    """A fraction as a percentage text ("2.9%"), "—" for None."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-places) if places else Decimal(1)
    return f"{(value * HUNDRED).quantize(quantum, rounding=ROUND_HALF_UP)}%"


def _sum_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def interactions(f: Figures, policy: Policy = Policy()) -> int | None:
    """互动量 = 点赞 + 评论 + 分享/转发 (+ 收藏 when the organisation counts it); the parts
    the source reported are summed, None when it reported none of them."""
    parts = [f.likes, f.comments, f.shares]
    if policy.count_favourites:
        parts.append(f.favourites)
    return _sum_known(parts)


def exposure(f: Figures) -> int | None:
    """曝光量: 曝光 when the platform reports it, else 阅读/播放次数 (公众号 and 抖音 creator
    exports report no 曝光; template 3's 曝光量 and the 播放 target use this figure)."""
    return f.impressions if f.impressions is not None else f.reads


def conversions(f: Figures) -> int | None:
    """转化量: the sum of the reported conversion kinds (留资, 注册, 购买, 咨询)."""
    return _sum_known(getattr(f, kind) for kind in CONVERSION_KINDS)


def interaction_rate(f: Figures, policy: Policy = Policy()) -> Ratio:
    """互动率(曝光) = 互动量 / 曝光量 — the one template 3 uses."""
    return Ratio(interactions(f, policy), exposure(f))


def follower_interaction_rate(
    f: Figures, followers: int | None, policy: Policy = Policy()
) -> Ratio:
    """互动率(粉丝) = 互动量 / followers at publish time."""
    return Ratio(interactions(f, policy), followers)


def play_interaction_rate(f: Figures, policy: Policy = Policy()) -> Ratio:
    """互动率(播放) = 互动量 / 播放(阅读)次数."""
    return Ratio(interactions(f, policy), f.reads)


def delivery_read_rate(f: Figures) -> Ratio:
    """送达阅读率 = 公众号消息阅读次数 / 送达人数 (单篇图文阅读率)."""
    return Ratio(f.message_reads, f.delivered)


def share_rate(f: Figures) -> Ratio:
    """转发率 = 分享人数 / 阅读人数."""
    return Ratio(f.sharers, f.readers)


def click_rate(f: Figures) -> Ratio:
    """点击率 = 点击 / 曝光."""
    return Ratio(f.clicks, f.impressions)


def conversion_rate(f: Figures, visits: int | None = None) -> Ratio:
    """转化率 = 转化量 / 曝光量, or / 访问 (the mini-program funnel) when `visits` is given."""
    return Ratio(conversions(f), visits if visits is not None else exposure(f))


def net_gain(new: int | None, cancelled: int | None) -> int | None:
    """净增粉 = 新增 − 取关 (None when either is unknown)."""
    if new is None or cancelled is None:
        return None
    return new - cancelled


def achievement(actual: Number | None, target: Number | None) -> Ratio:
    """目标达成率 = actual / target (target 500,000, actual 450,000 → 90%)."""
    return Ratio(actual, target)


class TargetStatus(models.TextChoices):
    """达标情况."""

    EXCEEDED = "exceeded", _("超额达标")
    MET = "met", _("达标")
    MISSED = "missed", _("未达标")
    NO_DATA = "no_data", _("数据不足")
    NO_TARGET = "no_target", _("无目标")


def target_status(
    pairs: Sequence[tuple[Number | None, Number | None]], policy: Policy = Policy()
) -> TargetStatus:
    """达标情况 from (actual, target) pairs; pairs without a target are ignored (see module)."""
    ratios = [achievement(actual, target) for actual, target in pairs if target]
    if not ratios:
        return TargetStatus.NO_TARGET
    values = [r.value for r in ratios]
    known = [v for v in values if v is not None]
    if any(v < 1 for v in known):
        return TargetStatus.MISSED
    if len(known) < len(values):
        return TargetStatus.NO_DATA
    if any(v >= policy.exceed_ratio for v in known):
        return TargetStatus.EXCEEDED
    return TargetStatus.MET


@dataclass(frozen=True)
class Targets:
    """An item's targets (ContentItem.target_exposure/_interactions/_conversions)."""

    exposure: int | None = None
    interactions: int | None = None
    conversions: int | None = None


@dataclass(frozen=True)
class PostKpis:
    """All KPIs of one post's figures against its targets."""

    exposure: int | None
    interactions: int | None
    conversions: int | None
    interaction_rate: Ratio
    follower_interaction_rate: Ratio
    play_interaction_rate: Ratio
    delivery_read_rate: Ratio
    share_rate: Ratio
    click_rate: Ratio
    conversion_rate: Ratio
    exposure_achievement: Ratio
    interactions_achievement: Ratio
    conversions_achievement: Ratio
    status: TargetStatus


def evaluate(
    f: Figures, targets: Targets, *, followers: int | None = None, policy: Policy = Policy()
) -> PostKpis:
    """Every KPI of a post (template 3: 曝光量, 互动量, 互动率, 转化量, 达标情况)."""
    exp, inter, conv = exposure(f), interactions(f, policy), conversions(f)
    pairs = [(exp, targets.exposure), (inter, targets.interactions), (conv, targets.conversions)]
    return PostKpis(
        exposure=exp,
        interactions=inter,
        conversions=conv,
        interaction_rate=interaction_rate(f, policy),
        follower_interaction_rate=follower_interaction_rate(f, followers, policy),
        play_interaction_rate=play_interaction_rate(f, policy),
        delivery_read_rate=delivery_read_rate(f),
        share_rate=share_rate(f),
        click_rate=click_rate(f),
        conversion_rate=conversion_rate(f),
        exposure_achievement=achievement(exp, targets.exposure),
        interactions_achievement=achievement(inter, targets.interactions),
        conversions_achievement=achievement(conv, targets.conversions),
        status=target_status(pairs, policy),
    )


def hours_after(published_at: dt.datetime | None, taken_at: dt.datetime) -> int | None:
    """Whole hours from publishing to the snapshot (None when unpublished or before it)."""
    if published_at is None or taken_at < published_at:
        return None
    return int((taken_at - published_at).total_seconds() // 3600)


def closest_to(hours: Sequence[int | None], target: int) -> int | None:
    """Index of the snapshot closest to `target` hours after publishing (a tie goes to the
    later one, which has more complete data); None when no hour is known."""
    best: tuple[int, int] | None = None
    best_index = None
    for index, h in enumerate(hours):
        if h is None:
            continue
        key = (abs(h - target), -h)
        if best is None or key < best:
            best, best_index = key, index
    return best_index
