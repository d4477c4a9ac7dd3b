"""Commission arithmetic without the database: tiers (跳点), splits, payout stages, incentives.

Money is integer fen throughout; rates are `Decimal` percentages (1.5 means 1.5 %). Exact
values are kept as `Fraction` until one final ROUND_HALF_UP to the fen per deal, so a deal's
commission never depends on how its units were spread across tiers.

Tier thresholds are "reached" values of the period's volume: a tier with threshold 5 (units)
applies once 5 units are reached. The first tier starts at 0. Under 全额累进 (whole) every
unit of the period takes the rate of the tier the period's volume reached; under 超额累进
(excess) the n-th unit (or the n-th fen, for amount thresholds) takes the tier whose
threshold is the largest one ≤ n.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

WHOLE = "whole"
EXCESS = "excess"
BY_UNITS = "units"
BY_AMOUNT = "amount"
PAY_RATE = "rate"
PAY_PER_UNIT = "per_unit"

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class Tier:
    """One step of a tier table: from `threshold` (units or fen) on, `rate` % or `per_unit_fen`."""

    threshold: int
    rate: Decimal = Decimal(0)
    per_unit_fen: int = 0


@dataclass(frozen=True)
class Item:
    """One deal's volume in the period, in the order the period counts them."""

    key: Any
    units: int
    amount_fen: int


@dataclass(frozen=True)
class Portion:
    """The part of one deal's volume that falls in one tier."""

    tier: int  # index into the tier table
    units: Fraction
    amount_fen: Fraction


@dataclass(frozen=True)
class DealCommission:
    """A deal's commission: its portions per tier and the total rounded once to the fen."""

    key: Any
    portions: tuple[Portion, ...]
    exact: Fraction
    fen: int

    @property
    def top_tier(self) -> int:
        return max(p.tier for p in self.portions) if self.portions else 0


def round_fen(value: Fraction | Decimal | int) -> int:
    """ROUND_HALF_UP to a whole fen (negative values round away from zero at .5)."""
    frac = Fraction(value)
    quantised = (Decimal(frac.numerator) / Decimal(frac.denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(quantised)


def tier_problems(tiers: Sequence[Tier], *, tier_by: str, pay: str) -> list[str]:
    """Why a tier table is unusable (Chinese messages), or [] when it is fine."""
    problems: list[str] = []
    if not tiers:
        return [_("至少需要一档")]
    if tiers[0].threshold != 0:
        problems.append(_("第一档的起点必须是 0"))
    for i in range(1, len(tiers)):
        if tiers[i].threshold <= tiers[i - 1].threshold:
            problems.append(_("第%(n)s档的起点必须大于第%(prev)s档") % {"n": i + 1, "prev": i})
        if _value(tiers[i], pay) < _value(tiers[i - 1], pay):
            problems.append(
                _("第%(n)s档的佣金不能低于第%(prev)s档（跳点只能向上）") % {"n": i + 1, "prev": i}
            )
    if any(t.rate < 0 or t.per_unit_fen < 0 for t in tiers):
        problems.append(_("佣金不能为负数"))
    if pay == PAY_PER_UNIT and tier_by != BY_UNITS and len(tiers) > 1:
        problems.append(_("按套固定金额的方案只能按套数跳点"))
    return problems


def _value(tier: Tier, pay: str) -> Fraction:
    return Fraction(tier.per_unit_fen) if pay == PAY_PER_UNIT else Fraction(tier.rate)


def reached_tier(tiers: Sequence[Tier], volume: int) -> int:
    """Index of the tier a period's volume reached (全额累进)."""
    index = 0
    for i, tier in enumerate(tiers):
        if volume >= tier.threshold:
            index = i
    return index


def _volume(item: Item, tier_by: str) -> int:
    return item.units if tier_by == BY_UNITS else item.amount_fen


def _excess_portions(
    item: Item, start: int, tiers: Sequence[Tier], tier_by: str
) -> tuple[Portion, ...]:
    """Split one item covering volume positions start+1 … start+size across the tiers."""
    size = _volume(item, tier_by)
    if size == 0:
        return (Portion(reached_tier(tiers, start), Fraction(item.units), Fraction(0)),)
    portions = []
    for i, tier in enumerate(tiers):
        low = max(tier.threshold, 1, start + 1)
        high = (
            start + size if i + 1 == len(tiers) else min(start + size, tiers[i + 1].threshold - 1)
        )
        if high < low:
            continue
        share = Fraction(high - low + 1, size)
        portions.append(Portion(i, item.units * share, item.amount_fen * share))
    return tuple(portions)


def _exact(portions: Sequence[Portion], tiers: Sequence[Tier], pay: str) -> Fraction:
    if pay == PAY_PER_UNIT:
        return sum((p.units * tiers[p.tier].per_unit_fen for p in portions), Fraction(0))
    return sum(
        (p.amount_fen * Fraction(tiers[p.tier].rate) / HUNDRED for p in portions), Fraction(0)
    )


def commissions(
    items: Sequence[Item], tiers: Sequence[Tier], *, tier_by: str, mode: str, pay: str
) -> list[DealCommission]:
    """Each item's commission in one tier period (items in counting order)."""
    out = []
    if mode == WHOLE:
        top = reached_tier(tiers, sum(_volume(i, tier_by) for i in items))
        for item in items:
            portions: tuple[Portion, ...] = (
                Portion(top, Fraction(item.units), Fraction(item.amount_fen)),
            )
            exact = _exact(portions, tiers, pay)
            out.append(DealCommission(item.key, portions, exact, round_fen(exact)))
        return out
    start = 0
    for item in items:
        portions = _excess_portions(item, start, tiers, tier_by)
        start += _volume(item, tier_by)
        exact = _exact(portions, tiers, pay)
        out.append(DealCommission(item.key, portions, exact, round_fen(exact)))
    return out


def total_fen(
    items: Sequence[Item], tiers: Sequence[Tier], *, tier_by: str, mode: str, pay: str
) -> int:
    """The period's total commission in fen."""
    return sum(c.fen for c in commissions(items, tiers, tier_by=tier_by, mode=mode, pay=pay))


def split(total: int, ratio: Decimal) -> tuple[int, int]:
    """主管带单 (model b): (consultant, supervisor) shares of `total`; they always add up."""
    first = round_fen(Fraction(total) * Fraction(ratio))
    return first, total - first


def stage_amounts(total: int, percents: Sequence[Decimal]) -> list[int]:
    """Payout stage amounts by cumulative rounding, so the stages add up to `total` exactly."""
    out, paid, cumulative = [], 0, Fraction(0)
    for percent in percents:
        cumulative += Fraction(percent)
        due = round_fen(Fraction(total) * cumulative / HUNDRED)
        out.append(due - paid)
        paid = due
    return out


def dominates(
    online: Sequence[Tier], base: Sequence[Tier], *, same_tier_basis: bool, pay: str
) -> bool:
    """True if the online scheme pays at least the base scheme at every volume.

    With different tier bases the volumes are not comparable: the lowest and the highest
    step are compared instead."""
    if not online or not base:
        return True
    if not same_tier_basis:
        return _value(online[0], pay) >= _value(base[0], pay) and _value(online[-1], pay) >= _value(
            base[-1], pay
        )
    points = {t.threshold for t in online} | {t.threshold for t in base}
    return all(
        _value(online[reached_tier(online, v)], pay) >= _value(base[reached_tier(base, v)], pay)
        for v in points
    )


def beyond_target_fen(units: int, target: int, tiers: Sequence[Tier]) -> int:
    """Deal-count incentive: units beyond `target` earn their tier's per-unit amount.

    The n-th unit (n > target) earns the per-unit amount of the tier with the largest
    threshold ≤ n; units up to the target earn nothing."""
    total = 0
    for n in range(target + 1, units + 1):
        eligible = [t for t in tiers if t.threshold <= n]
        if eligible:
            total += eligible[-1].per_unit_fen
    return total


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_start(day: dt.date, period: str) -> dt.date:
    """First day of the month or quarter containing `day`."""
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return month_start(day)


def parse_month(text: str) -> dt.date | None:
    """'2025-03' → 2025-03-01; None for anything else."""
    try:
        year, month = str(text or "").strip().split("-")
        if len(year) != 4 or not (year.isdigit() and month.isdigit()):
            return None
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None
