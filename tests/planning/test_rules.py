"""Progress rules: the spec's worked examples and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.planning import rules

START, END = dt.date(2026, 5, 1), dt.date(2026, 5, 3)


def test_exposure_450k_of_500k_is_90_percent_and_missed_at_the_end() -> None:
    out = rules.outcome(
        Decimal(450_000), Decimal(500_000), "sum", START, END, END + dt.timedelta(days=1)
    )
    assert out.rate == Decimal("0.9") and out.status == "missed"


def test_rate_metrics_compare_levels() -> None:
    assert rules.rate(Decimal("4.6"), Decimal(5)) == Decimal("0.92")


def test_run_rate_projection_flags_at_risk() -> None:
    start, end = dt.date(2026, 5, 1), dt.date(2026, 5, 30)
    out = rules.outcome(Decimal(3000), Decimal(20000), "sum", start, end, dt.date(2026, 5, 10))
    assert out.projected == Decimal(9000) and out.status == "at_risk"
    ok = rules.outcome(Decimal(8000), Decimal(20000), "sum", start, end, dt.date(2026, 5, 10))
    assert ok.status == "on_track"


def test_status_before_start_and_exceeded_after_end() -> None:
    assert (
        rules.status(None, Decimal(1), None, START, END, START - dt.timedelta(days=1))
        == "not_started"
    )
    after = END + dt.timedelta(days=1)
    assert rules.status(Decimal(2), Decimal(1), Decimal(2), START, END, after) == "exceeded"


def test_goal_rolls_up_by_weight() -> None:
    assert rules.rollup(
        [(Decimal("0.5"), Decimal(1)), (Decimal(1), Decimal(3)), (None, Decimal(1))]
    ) == Decimal("0.875")


@given(
    actual=st.integers(min_value=0, max_value=10**9),
    target=st.integers(min_value=1, max_value=10**9),
    elapsed=st.integers(min_value=0, max_value=60),
)
def test_status_is_always_one_of_the_six_and_achieved_iff_rate_reaches_one(
    actual: int, target: int, elapsed: int
) -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    today = start + dt.timedelta(days=elapsed)
    out = rules.outcome(Decimal(actual), Decimal(target), "sum", start, end, today)
    assert out.status in {"not_started", "on_track", "at_risk", "achieved", "missed", "exceeded"}
    assert (out.status in {"achieved", "exceeded"}) == (actual >= target)
    assert out.projected is not None and out.projected >= Decimal(actual)


def test_one_short_of_the_target_is_not_achieved_though_the_rate_rounds_to_one() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    out = rules.outcome(Decimal(19999), Decimal(20000), "sum", start, end, dt.date(2026, 2, 1))
    assert (out.rate, out.status) == (Decimal("1.0000"), "missed")
    over = rules.outcome(Decimal(20001), Decimal(20000), "sum", start, end, dt.date(2026, 2, 1))
    assert over.status == "exceeded"
