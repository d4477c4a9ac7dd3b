"""Progress rules: 达成率, status and the run-rate projection of a key result (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

AT_RISK_MARGIN = Decimal("0.1")  # projection short of target by more than this → at risk


@dataclass(frozen=True)
class Outcome:
    """The computed progress of one key result on a given day."""

    rate: Decimal | None
    projected: Decimal | None
    status: str


def rate(actual: Decimal | None, target: Decimal) -> Decimal | None:
    """达成率 = actual / target (rate metrics compare levels: 4.6% of 5% → 0.92)."""
    if actual is None or not target:
        return None
    return (actual / target).quantize(Decimal("0.0001"))


def projected(
    actual: Decimal | None, kind: str, start: dt.date, end: dt.date, today: dt.date
) -> Decimal | None:
    """Expected at the end: cumulative figures by the current run rate; levels stay."""
    if actual is None or kind != "sum" or today >= end:
        return actual
    elapsed = (min(today, end) - start).days + 1
    if elapsed <= 0:
        return None
    total = (end - start).days + 1
    return (actual * total / elapsed).quantize(Decimal("0.0001"))


def status(
    actual: Decimal | None,
    target: Decimal,
    projection: Decimal | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    margin: Decimal = AT_RISK_MARGIN,
) -> str:
    """not_started / on_track / at_risk / achieved / missed / exceeded."""
    if today < start:
        return "not_started"
    finished = today > end
    # compared unrounded: 19,999 of 20,000 is a rate of 1.0000 to four places, yet not reached
    if actual is not None and target and actual > target and finished:
        return "exceeded"
    if actual is not None and target and actual >= target:
        return "achieved"
    if finished:
        return "missed"
    if projection is not None and projection < target * (1 - margin):
        return "at_risk"
    return "on_track"


def outcome(
    actual: Decimal | None,
    target: Decimal,
    kind: str,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    margin: Decimal = AT_RISK_MARGIN,
) -> Outcome:
    """Rate, projection and status of a key result together."""
    proj = projected(actual, kind, start, end, today)
    return Outcome(
        rate(actual, target), proj, status(actual, target, proj, start, end, today, margin)
    )


def rollup(parts: list[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """A goal's rate: the weighted mean of its key results' rates (unknown ones skipped)."""
    known = [(r, w) for r, w in parts if r is not None and w > 0]
    weight = sum((w for _, w in known), Decimal(0))
    if not weight:
        return None
    return (sum((r * w for r, w in known), Decimal(0)) / weight).quantize(Decimal("0.0001"))


def goal_status(statuses: list[str]) -> str:
    """The worst key-result status describes the goal."""
    order = ["missed", "at_risk", "on_track", "not_started", "achieved", "exceeded"]
    for s in order:
        if s in statuses:
            return s
    return "not_started"
