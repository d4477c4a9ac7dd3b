"""Generated hints: each fires on its condition and cites the figures it rests on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mediadesk.analytics import hints, rules
from mediadesk.analytics.models import Attribution

MONDAY_15H = dt.datetime(2024, 5, 6, 15, 0)
EVENING = hints.Window(dt.time(19), dt.time(21, 30))


def facts(**values: object) -> hints.Facts:
    base: dict[str, object] = {"rate": rules.Ratio(8_200, 280_000), "form_label": "图文"}
    return hints.Facts(**{**base, **values})  # type: ignore[arg-type]


def test_below_the_account_median_cites_rate_and_median() -> None:
    out = hints.hints_for(facts(account_median=Decimal("0.045")))
    assert "互动率 2.9%（8,200/280,000）低于本账号图文中位数 4.5%" in out.analysis
    assert Attribution.WEAK_CONTENT in out.tags
    assert out.suggestion


def test_outside_the_best_hours_names_time_and_windows() -> None:
    out = hints.hints_for(facts(published_at=MONDAY_15H, windows=[EVENING]))
    assert "发布于 周一 15:00，不在最佳时段（19:00–21:30）" in out.analysis
    assert out.tags == [Attribution.BAD_TIME]
    assert "改在 19:00–21:30 发布" in out.suggestion
    inside = hints.hints_for(facts(published_at=MONDAY_15H.replace(hour=20), windows=[EVENING]))
    assert inside.items == []


def test_weekend_only_windows_do_not_count_on_weekdays() -> None:
    weekend = hints.Window(dt.time(9), dt.time(13), weekend=True)
    assert not weekend.contains(MONDAY_15H.replace(hour=10))
    assert weekend.contains(dt.datetime(2024, 5, 4, 10, 0))


def test_under_performing_topic_cites_both_rates() -> None:
    out = hints.hints_for(facts(topic="行业类", topic_rate=rules.Ratio(20, 1000),
                                overall_rate=rules.Ratio(50, 1000)))  # fmt: skip
    assert "主题“行业类”近90天互动率 2.0%，低于同账号整体 5.0%" in out.analysis


def test_target_missed_and_exceeded_cite_the_achievement() -> None:
    missed = hints.hints_for(facts(status=rules.TargetStatus.MISSED,
                                   achievements=[("互动", rules.Ratio(8_200, 10_000))]))  # fmt: skip
    assert "未达标：互动达成率 82.0%（8,200/10,000）" in missed.analysis
    exceeded = hints.hints_for(facts(status=rules.TargetStatus.EXCEEDED, achievements=[
        ("曝光/播放", rules.Ratio(550_000, 500_000)), ("转化", rules.Ratio(2_200, 2_000))]))  # fmt: skip
    assert (
        "超额达标：曝光/播放达成率 110.0%（550,000/500,000），转化达成率 110.0%（2,200/2,000）"
        in exceeded.analysis
    )


def test_over_performance_is_credited_to_kol_hot_topic_and_series() -> None:
    out = hints.hints_for(facts(rate=rules.Ratio(900, 10_000), account_median=Decimal("0.03"),
                                kol="@西安探房达人", hot_topic="#西安楼市#", series="美好西安"))  # fmt: skip
    assert "达本账号图文中位数 3.0% 的 3.0 倍" in out.analysis
    assert "合作达人 @西安探房达人 带动，互动率 9.0%" in out.analysis
    assert "借势热点 #西安楼市#" in out.analysis and "专辑“美好西安”" in out.analysis
    assert out.tags == [Attribution.KOL, Attribution.HOT_TOPIC]


def test_unknown_figures_give_no_hint() -> None:
    out = hints.hints_for(facts(rate=rules.Ratio(None, 0), account_median=Decimal("0.03"),
                                topic="x", topic_rate=rules.Ratio(1, 0), overall_rate=rules.Ratio(1, 10)))  # fmt: skip
    assert out.items == []


@settings(deadline=None)  # no timing assertions: CI machines are busy
@given(st.lists(st.decimals(min_value=0, max_value=1, places=4), min_size=1, max_size=30))
def test_median_is_between_min_and_max(values: list[Decimal]) -> None:
    m = hints.median(values)
    assert m is not None and min(values) <= m <= max(values)
    assert hints.median(list(reversed(values))) == m
