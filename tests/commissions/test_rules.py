"""跳点 arithmetic: the reference's worked example and properties that must always hold."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.commissions import rules
from mediadesk.commissions.rules import Item, Tier

EXAMPLE = [Tier(0, Decimal("0.5")), Tier(5, Decimal("0.8")), Tier(10, Decimal("1.0"))]
TWO_MILLION = 2_000_000 * 100


def _items(n: int, amount: int = TWO_MILLION) -> list[Item]:
    return [Item(i, 1, amount) for i in range(n)]


def _total(items: list[Item], tiers: list[Tier], mode: str, tier_by: str = "units") -> int:
    return rules.total_fen(items, tiers, tier_by=tier_by, mode=mode, pay="rate")


def test_whole_mode_pays_all_twelve_units_at_the_reached_tier() -> None:
    assert _total(_items(12), EXAMPLE, "whole") == 240_000 * 100


def test_excess_mode_pays_only_units_above_each_threshold_at_the_higher_rate() -> None:
    assert _total(_items(12), EXAMPLE, "excess") == 180_000 * 100


def test_one_deal_of_twelve_units_gives_the_same_totals_and_spans_three_tiers() -> None:
    deal = [Item("d", 12, 12 * TWO_MILLION)]
    assert _total(deal, EXAMPLE, "whole") == 240_000 * 100
    (result,) = rules.commissions(deal, EXAMPLE, tier_by="units", mode="excess", pay="rate")
    assert result.fen == 180_000 * 100
    assert [(p.tier, p.units) for p in result.portions] == [(0, 4), (1, 5), (2, 3)]


def test_amount_thresholds_use_the_period_amount() -> None:
    tiers = [Tier(0, Decimal("1")), Tier(300_000_000, Decimal("2"))]  # ¥3,000,000
    items = _items(2)  # ¥4,000,000 in all
    assert _total(items, tiers, "whole", "amount") == 80_000 * 100
    assert _total(items, tiers, "excess", "amount") == 30_000 * 100 + 20_000 * 100


def test_fixed_per_unit_tiers() -> None:
    tiers = [Tier(0, per_unit_fen=100_000), Tier(3, per_unit_fen=150_000)]
    items = _items(4)
    assert rules.total_fen(items, tiers, tier_by="units", mode="whole", pay="per_unit") == 600_000
    assert rules.total_fen(items, tiers, tier_by="units", mode="excess", pay="per_unit") == 500_000


def test_split_and_stages_add_up_exactly() -> None:
    assert rules.split(1001, Decimal("0.7")) == (701, 300)
    assert rules.stage_amounts(1001, [Decimal(70), Decimal(20), Decimal(10)]) == [701, 200, 100]
    assert rules.round_fen(Decimal("2.5")) == 3 and rules.round_fen(Decimal("-2.5")) == -3


def test_tier_tables_must_start_at_zero_and_only_jump_up() -> None:
    bad = [Tier(1, Decimal("1")), Tier(5, Decimal("0.5"))]
    problems = rules.tier_problems(bad, tier_by="units", pay="rate")
    assert "第一档的起点必须是 0" in problems
    assert any("不能低于" in p for p in problems)
    assert rules.tier_problems(EXAMPLE, tier_by="units", pay="rate") == []


def test_online_dominates_base_pointwise() -> None:
    base = [Tier(0, Decimal("1.0"))]
    assert rules.dominates([Tier(0, Decimal("1.5"))], base, same_tier_basis=True, pay="rate")
    assert not rules.dominates([Tier(0, Decimal("0.8"))], base, same_tier_basis=True, pay="rate")
    stepped = [Tier(0, Decimal("0.9")), Tier(5, Decimal("2"))]
    assert not rules.dominates(stepped, base, same_tier_basis=True, pay="rate")


def test_deal_count_incentive_pays_units_beyond_target() -> None:
    tiers = [Tier(4, per_unit_fen=50_000), Tier(7, per_unit_fen=80_000)]
    assert rules.beyond_target_fen(3, 3, tiers) == 0
    assert rules.beyond_target_fen(8, 3, tiers) == 3 * 50_000 + 2 * 80_000


# --- properties ------------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=5, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def tier_tables(draw: st.DrawFn, max_tiers: int = 4) -> list[Tier]:
    n = draw(st.integers(1, max_tiers))
    steps = sorted(draw(st.sets(st.integers(1, 30), min_size=n - 1, max_size=n - 1)))
    values = sorted(draw(st.lists(rates, min_size=n, max_size=n)))
    return [Tier(t, Decimal(v)) for t, v in zip([0, *steps], values, strict=True)]


deal_lists = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 5_000_000_00)), min_size=0, max_size=15
)


def _deals(rows: list[tuple[int, int]]) -> list[Item]:
    return [Item(i, units, amount) for i, (units, amount) in enumerate(rows)]


@given(tier_tables(), deal_lists)
def test_excess_never_exceeds_whole(tiers: list[Tier], rows: list[tuple[int, int]]) -> None:
    items = _deals(rows)
    assert _total(items, tiers, "excess") <= _total(items, tiers, "whole")


@given(tier_tables(), st.integers(0, 40), st.integers(1, 5_000_000_00))
def test_both_modes_are_monotone_in_units(tiers: list[Tier], n: int, price: int) -> None:
    for mode in ("whole", "excess"):
        assert _total(_items(n, price), tiers, mode) <= _total(_items(n + 1, price), tiers, mode)


@given(rates, deal_lists)
def test_with_one_tier_both_modes_agree(rate: Decimal, rows: list[tuple[int, int]]) -> None:
    items, tiers = _deals(rows), [Tier(0, rate)]
    assert _total(items, tiers, "whole") == _total(items, tiers, "excess")


@given(tier_tables(), deal_lists, st.sampled_from(["whole", "excess"]))
def test_commissions_are_whole_fen(
    tiers: list[Tier], rows: list[tuple[int, int]], mode: str
) -> None:
    for result in rules.commissions(_deals(rows), tiers, tier_by="units", mode=mode, pay="rate"):
        assert isinstance(result.fen, int) and result.fen >= 0
        assert abs(result.fen - result.exact) <= Decimal("0.5")


@given(st.integers(-(10**12), 10**12), st.decimals(0, 1, places=3))
def test_split_always_adds_up(total: int, ratio: Decimal) -> None:
    first, second = rules.split(total, ratio)
    assert first + second == total
