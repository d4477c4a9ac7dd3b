"""A/B tests: Wilson intervals, two-proportion p-values, the winner rule; pages and audit."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediadesk.analytics import abtest
from mediadesk.analytics.models import ABTest, ABVariant
from tests.conftest import World, audit_actions


def test_thirty_versus_thirty_is_too_small() -> None:
    result = abtest.analyse([abtest.Arm("A", 30, 3), abtest.Arm("B", 30, 9)])
    assert result.verdict == "样本不足" and result.winner is None


def test_five_thousand_each_names_the_winner() -> None:
    result = abtest.analyse([abtest.Arm("A", 5000, 250), abtest.Arm("B", 5000, 325)])
    assert (result.verdict, result.winner) == ("胜出", "B")
    a, b = result.arms
    assert a.p_value is not None and a.p_value < 0.01 and b.p_value is None
    assert a.lift == 0 and b.lift == pytest.approx(0.3)
    assert b.low == pytest.approx(0.0585, abs=5e-4) and b.high == pytest.approx(0.0723, abs=5e-4)


def test_large_but_equal_arms_are_not_significant() -> None:
    result = abtest.analyse([abtest.Arm("A", 5000, 250), abtest.Arm("B", 5000, 260)])
    assert (result.verdict, result.winner) == ("差异不显著", None)


def test_three_arms_need_the_corrected_threshold() -> None:
    arms = [abtest.Arm("A", 5000, 250), abtest.Arm("B", 5000, 325), abtest.Arm("C", 5000, 320)]
    assert abtest.analyse(arms).verdict == "差异不显著"  # B vs C is no clear win


def test_the_minimum_sample_is_configurable() -> None:
    arms = [abtest.Arm("A", 500, 20), abtest.Arm("B", 500, 60)]
    assert abtest.analyse(arms).winner == "B"
    assert abtest.analyse(arms, abtest.MinSample(exposures=1000)).verdict == "样本不足"


def test_a_single_arm_or_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        abtest.analyse([abtest.Arm("A", 10, 1)])
    with pytest.raises(ValueError):
        abtest.wilson(11, 10)


arm = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n))
)


@settings(deadline=None)  # no timing assertions: CI machines are busy
@given(arm)
def test_interval_contains_the_rate(a: tuple[int, int]) -> None:
    n, s = a
    low, high = abtest.wilson(s, n)
    assert 0 <= low <= s / n <= high <= 1


@settings(deadline=None)  # no timing assertions: CI machines are busy
@given(arm, arm)
def test_p_value_is_a_probability_and_symmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    p = abtest.two_proportion_p(a[1], a[0], b[1], b[0])
    assert 0 <= p <= 1
    assert p == pytest.approx(abtest.two_proportion_p(b[1], b[0], a[1], a[0]))


@settings(deadline=None)  # no timing assertions: CI machines are busy
@given(arm)
def test_identical_arms_never_have_a_winner(a: tuple[int, int]) -> None:
    n, s = a
    result = abtest.analyse([abtest.Arm("A", n, s), abtest.Arm("B", n, s)])
    assert result.winner is None


ARMS = "开放日限时礼遇,5000,250\n曲江府样板间首开,5000,325"


def test_create_a_test_on_the_page(world: World, login: Any) -> None:
    client = login(world.operator)
    response = client.post("/analytics/abtests/", {
        "name": "五月标题测试", "hypothesis": "利益点标题点击率更高", "kind": "title",
        "metric": "click", "min_exposures": 100, "min_successes": 10, "arms": ARMS,
    })  # fmt: skip
    test = ABTest.objects.get()
    assert response.status_code == 302 and response.url == f"/analytics/abtests/{test.pk}/"
    assert [(a.label, a.exposures, a.successes) for a in test.arms.all()] == [
        ("A", 5000, 250),
        ("B", 5000, 325),
    ]
    assert audit_actions("ab_test", test.pk) == ["analytics.abtest"]
    page = client.get(response.url).content.decode()
    assert "B 组胜出" in page and "6.50%" in page


def test_bad_arms_are_named(world: World, login: Any) -> None:
    response = login(world.operator).post("/analytics/abtests/", {
        "name": "t", "hypothesis": "h", "kind": "title", "metric": "click", "min_exposures": 100,
        "min_successes": 10, "arms": "甲,100,200\n乙,100,5",
    })  # fmt: skip
    assert response.status_code == 200 and "成功数应在 0 到曝光数之间" in response.content.decode()
    response = login(world.operator).post("/analytics/abtests/", {
        "name": "t", "hypothesis": "h", "kind": "title", "metric": "click", "min_exposures": 100,
        "min_successes": 10, "arms": "甲 100 20",
    })  # fmt: skip
    assert "第 1 行格式应为" in response.content.decode()
    assert not ABTest.objects.exists()


def test_update_arm_figures_is_audited(world: World, login: Any) -> None:
    test = ABTest.objects.create(organisation=world.org, company=world.xian, name="封面",
                                 hypothesis="实景封面更好", created_by=world.operator)  # fmt: skip
    a = ABVariant.objects.create(test=test, label="A", content="效果图", exposures=30, successes=3)
    ABVariant.objects.create(
        test=test, label="B", content="实景", exposures=30, successes=9, sort=1
    )
    client = login(world.operator)
    assert "样本不足" in client.get(f"/analytics/abtests/{test.pk}/").content.decode()
    client.post(f"/analytics/abtests/arms/{a.pk}/", {"exposures": "300", "successes": "30"})
    a.refresh_from_db()
    assert (a.exposures, a.successes) == (300, 30)
    assert audit_actions("ab_test", test.pk) == ["analytics.abtest_figures"]
    client.post(f"/analytics/abtests/arms/{a.pk}/", {"exposures": "10", "successes": "30"})
    a.refresh_from_db()
    assert a.exposures == 300  # refused: successes > exposures


def test_permissions(world: World, login: Any) -> None:
    test = ABTest.objects.create(organisation=world.org, company=world.xian, name="封面",
                                 hypothesis="h", created_by=world.operator)  # fmt: skip
    arm = ABVariant.objects.create(test=test, label="A", content="x", exposures=1, successes=0)
    assert login(world.sales_a).get("/analytics/abtests/").status_code == 403
    assert login(world.operator_cd).get(f"/analytics/abtests/{test.pk}/").status_code == 404
    planner = login(world.planner)
    assert (
        planner.post(
            f"/analytics/abtests/arms/{arm.pk}/", {"exposures": 5, "successes": 1}
        ).status_code
        == 403
    )
    planner.post("/analytics/abtests/", {"name": "x", "hypothesis": "h", "kind": "title", "metric": "click",
                                         "min_exposures": 1, "min_successes": 1, "arms": ARMS})  # fmt: skip
    assert ABTest.objects.count() == 1
