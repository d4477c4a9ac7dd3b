"""The pure judge: worked examples and hypothesis properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediadesk.leads import rules
from mediadesk.leads.models import Report, ResultCode, RuleSet
from tests.leads.conftest import SHANGHAI

T0 = dt.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
PHONE = "13512345678"


def test_parse_phone_forms() -> None:
    assert rules.parse_phone("+86 135-1234-5678") == rules.Claim(PHONE, False)
    assert rules.parse_phone("135****5678") == rules.Claim("135****5678", True)
    assert rules.parse_phone("135**345678").tail == "5678"
    for bad in ("135*****678", "1351234567", "135****567", "12345678901"):
        with pytest.raises(rules.PhoneError):
            rules.parse_phone(bad)


def test_matches_on_known_digits() -> None:
    assert rules.matches("135****5678", PHONE)
    assert rules.matches("135****5678", "135**345678")
    assert not rules.matches("135**445678", PHONE)
    assert not rules.matches("136****5678", PHONE)


def test_period_end_natural_days_and_24_hours() -> None:
    late = dt.datetime(2025, 3, 3, 23, 50, tzinfo=SHANGHAI)
    assert rules.period_end(late, 7, "natural") == dt.datetime(2025, 3, 10, 23, 59, 59,
                                                               tzinfo=SHANGHAI)  # fmt: skip
    assert rules.period_end(late, 7, "hours24") == late + dt.timedelta(days=7)


def _prior(
    i: int, channel: int, at: dt.datetime, verdict: rules.Verdict, pattern: str, mode: str
) -> rules.Prior:
    return rules.Prior(
        id=i, channel_id=channel, pattern=pattern, masked="*" in pattern, mode=mode,
        reported_at=at, result_code=verdict.code,
        status=Report.Status.VALID if verdict.ok else Report.Status.INVALID,
        protect_visit_until=verdict.protect_visit_until,
        protect_deal_until=verdict.protect_deal_until, intercept_until=verdict.intercept_until,
    )  # fmt: skip


def _run(
    params: rules.Params, events: list[tuple[int, int, str]]
) -> list[tuple[rules.Verdict, dt.datetime]]:
    """Judge a sequence of (channel, minutes after T0, pattern) reports one after another."""
    priors: list[rules.Prior] = []
    out = []
    for i, (channel, minutes, pattern) in enumerate(sorted(events, key=lambda e: e[1])):
        at = T0 + dt.timedelta(minutes=minutes)
        claim = rules.parse_phone(pattern)
        verdict = rules.judge_report(params, rules.NewReport(claim, channel, at),
                                     rules.Facts(priors=tuple(priors)))  # fmt: skip
        priors.append(_prior(i + 1, channel, at, verdict, claim.pattern, params.mode))
        out.append((verdict, at))
    return out


EVENTS = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 60 * 24 * 20),
              st.sampled_from([PHONE, "135****5678", "135**345678"])),
    min_size=1, max_size=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(events=EVENTS, days=st.integers(1, 10), counting=st.sampled_from(["natural", "hours24"]))
def test_exactly_one_protecting_winner_at_any_time(
    events: list[tuple[int, int, str]], days: int, counting: str
) -> None:
    params = rules.Params(visit_protect_days=days, day_counting=counting)
    judged = _run(params, events)
    for _, at in judged:
        holders = [v for v, t in judged
                   if v.protecting and t <= at and v.protect_visit_until and at <= v.protect_visit_until]  # fmt: skip
        assert len(holders) <= 1
    first_full = next((v for v, _ in judged if v.protect_visit_until and v.protecting), None)
    ordered = sorted(events, key=lambda e: e[1])
    if PHONE in [e[2] for e in ordered]:
        first = judged[[e[2] for e in ordered].index(PHONE)][0]
        assert first.ok and first.protecting and first is first_full


@settings(max_examples=200, deadline=None)
@given(
    events=EVENTS,
    mode=st.sampled_from(["protect", "compete"]),
    counting=st.sampled_from(["natural", "hours24"]),
    days=st.integers(0, 30),
)
def test_a_code_0_report_has_deadlines_after_its_time(
    events: list[tuple[int, int, str]], mode: str, counting: str, days: int
) -> None:
    params = rules.Params(mode=mode, visit_protect_days=days, deal_protect_days=days,
                          day_counting=counting)  # fmt: skip
    for verdict, at in _run(params, events):
        if verdict.ok:
            assert verdict.protect_visit_until and verdict.protect_visit_until >= at
            assert verdict.protect_deal_until and verdict.protect_deal_until >= at
            assert verdict.intercept_until and verdict.intercept_until >= at
        else:
            assert verdict.code in ResultCode.values and verdict.reason


def test_masked_reports_never_protect_in_protect_mode() -> None:
    judged = _run(rules.Params(), [(1, 0, "135****5678"), (2, 5, PHONE), (3, 9, PHONE)])
    (masked, _), (full, _), (late, _) = judged
    assert masked.ok and not masked.protecting
    assert full.ok and full.protecting
    assert late.code == ResultCode.REPORTED_BY_OTHER


def test_compete_mode_lets_several_channels_report() -> None:
    judged = _run(
        rules.Params(mode=RuleSet.Mode.COMPETE), [(1, 0, PHONE), (2, 5, PHONE), (1, 9, PHONE)]
    )
    assert [v.code for v, _ in judged] == [0, 0, ResultCode.ALREADY_YOURS]
    assert not any(v.protecting for v, _ in judged)


def test_admission_errors() -> None:
    claim = rules.parse_phone("135****5678")
    assert rules.admission_error(rules.Params(masked="forbidden"), claim, 0)
    assert rules.admission_error(rules.Params(daily_report_limit=3), rules.parse_phone(PHONE), 3)
    assert rules.admission_error(rules.Params(), claim, 0) is None


def test_suggestion_weighs_real_calls_most() -> None:
    a = rules.Side(first_at=T0, brought_visit=True)
    b = rules.Side(first_at=T0 + dt.timedelta(days=1), call_seconds=180)
    assert rules.suggest("consultant", a, b)[0] == "b"
    assert (
        rules.suggest(
            "masked", rules.Side(first_at=T0), rules.Side(first_at=T0 + dt.timedelta(hours=1))
        )[0]
        == "a"
    )
    assert rules.suggest("intercept", a, b)[0] == "none"
