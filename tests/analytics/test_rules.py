"""The KPI engine: the spec's worked examples and properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.analytics import rules
from mediadesk.analytics.rules import Figures, Policy, Ratio, Targets, TargetStatus

counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**12))


def test_template_3_wechat_row_is_2_9_percent_and_missed() -> None:
    kpis = rules.evaluate(
        Figures(impressions=280_000, likes=3_000, comments=1_200, shares=4_000),
        Targets(interactions=10_000),
    )
    assert kpis.interactions == 8_200
    assert (kpis.interaction_rate.numerator, kpis.interaction_rate.denominator) == (8_200, 280_000)
    assert kpis.interaction_rate.percent() == "2.9%"
    assert kpis.interactions_achievement.percent() == "82.0%"
    assert kpis.status == TargetStatus.MISSED
    assert kpis.status.label == "未达标"


def test_template_3_douyin_row_is_5_8_percent_and_exceeded() -> None:
    kpis = rules.evaluate(
        Figures(impressions=550_000, likes=25_000, comments=3_000, shares=4_000, conv_leads=2_200),
        Targets(exposure=500_000, conversions=2_000),
    )
    assert kpis.interactions == 32_000
    assert kpis.interaction_rate.percent() == "5.8%"
    assert kpis.conversions == 2_200
    assert kpis.exposure_achievement.value == Decimal("1.1")
    assert kpis.status == TargetStatus.EXCEEDED
    assert kpis.status.label == "超额达标"


def test_target_achievement_example_is_90_percent() -> None:
    assert rules.achievement(450_000, 500_000).percent(0) == "90%"


def test_status_thresholds() -> None:
    assert rules.target_status([(100, 100)]) == TargetStatus.MET
    assert rules.target_status([(109, 100), (100, 100)]) == TargetStatus.MET
    assert rules.target_status([(110, 100), (100, 100)]) == TargetStatus.EXCEEDED
    assert rules.target_status([(200, 100), (99, 100)]) == TargetStatus.MISSED
    assert rules.target_status([(None, 100), (120, 100)]) == TargetStatus.NO_DATA
    assert rules.target_status([(None, 100), (90, 100)]) == TargetStatus.MISSED
    assert rules.target_status([(5, None)]) == TargetStatus.NO_TARGET
    strict = Policy(exceed_ratio=Decimal("1.5"))
    assert rules.target_status([(140, 100)], strict) == TargetStatus.MET


def test_favourites_count_only_when_the_organisation_says_so() -> None:
    f = Figures(likes=10, comments=2, shares=3, favourites=5)
    assert rules.interactions(f) == 15
    assert rules.interactions(f, Policy(count_favourites=True)) == 20


def test_wechat_rates_use_their_official_definitions() -> None:
    f = Figures(message_reads=16_000, delivered=52_000, sharers=700, readers=25_000)
    assert rules.delivery_read_rate(f).percent(2) == "30.77%"
    assert rules.share_rate(f).percent(1) == "2.8%"


def test_exposure_falls_back_to_reads_and_conversion_rate_can_use_visits() -> None:
    f = Figures(reads=1_000, conv_leads=5, conv_purchases=5)
    assert rules.exposure(f) == 1_000
    assert rules.conversion_rate(f).value == Decimal("0.01")
    assert rules.conversion_rate(f, visits=200).value == Decimal("0.05")
    assert rules.net_gain(120, 20) == 100
    assert rules.net_gain(120, None) is None


def test_unknown_is_not_zero() -> None:
    assert rules.interactions(Figures()) is None
    assert rules.interaction_rate(Figures(likes=3)).percent() == "—"
    assert rules.conversions(Figures(conv_leads=0)) == 0


def test_closest_snapshot_to_72_hours_prefers_the_later_on_a_tie() -> None:
    assert rules.closest_to([1, 24, 70, 74, 168], 72) == 3
    assert rules.closest_to([None, 24], 72) == 1
    assert rules.closest_to([None], 72) is None


@given(counts, counts)
def test_a_ratio_is_none_exactly_when_it_cannot_be_computed(
    num: int | None, den: int | None
) -> None:
    value = Ratio(num, den).value
    assert (value is None) == (num is None or not den)
    if value is not None:
        assert value >= 0


@given(counts, counts, counts, counts, st.booleans(), st.integers(min_value=0, max_value=10**6))
def test_interactions_are_monotone_in_each_count(
    likes: int | None, comments: int | None, shares: int | None, favourites: int | None,
    with_favourites: bool, more: int,
) -> None:  # fmt: skip
    policy = Policy(count_favourites=with_favourites)
    base = Figures(likes=likes, comments=comments, shares=shares, favourites=favourites)
    before = rules.interactions(base, policy) or 0
    for name in ("likes", "comments", "shares", "favourites"):
        grown = Figures(**{**base.__dict__, name: (getattr(base, name) or 0) + more})
        assert (rules.interactions(grown, policy) or 0) >= before


@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=4))
def test_status_is_missed_iff_some_known_ratio_is_below_one(
    pairs: list[tuple[int | None, int | None]],
) -> None:
    status = rules.target_status(pairs)
    ratios = [rules.achievement(a, t).value for a, t in pairs if t]
    if not ratios:
        assert status == TargetStatus.NO_TARGET
    else:
        assert (status == TargetStatus.MISSED) == any(r is not None and r < 1 for r in ratios)
        if status in (TargetStatus.MET, TargetStatus.EXCEEDED):
            assert all(r is not None and r >= 1 for r in ratios)
