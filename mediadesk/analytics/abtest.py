"""A/B test statistics (标题/封面测试), pure functions on counts (floats are fine: these are
probabilities, not money).

- each arm's rate with a 95 % Wilson score interval;
- the lift of every arm over the first (control) arm;
- a two-sided two-proportion z-test (pooled variance) p-value of each arm against the best;
- a winner is named only when every arm has the minimum sample (exposures ≥ `min_exposures`
  and both successes and failures ≥ `min_successes`, where the normal approximation holds)
  and the best arm beats every other one with p < α (Bonferroni-corrected for > 2 arms);
  otherwise the verdict is 样本不足 or 差异不显著.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

Z95 = 1.959963984540054
ALPHA = 0.05


@dataclass(frozen=True)
class Arm:
    """One variant's counts."""

    label: str
    exposures: int
    successes: int

    @property
    def rate(self) -> float | None:
        return self.successes / self.exposures if self.exposures else None


@dataclass(frozen=True)
class MinSample:
    """The minimum sample of each arm before a winner may be named."""

    exposures: int = 100
    successes: int = 10


@dataclass(frozen=True)
class ArmResult:
    arm: Arm
    rate: float | None
    low: float | None
    high: float | None
    lift: float | None  # relative to the control (first) arm
    p_value: float | None  # against the best arm (None for the best arm itself)
    enough: bool


@dataclass(frozen=True)
class Result:
    arms: list[ArmResult]
    winner: str | None
    verdict: str  # 胜出 / 样本不足 / 差异不显著


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes / n (n > 0)."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(gettext("需要 0 ≤ 成功数 ≤ 样本数 且样本数 > 0"))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at p = 0 or 1 the bound is exactly 0 or 1; floating point may land a hair inside
    low = 0.0 if successes == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if successes == n else min(1.0, max(p, centre + half))
    return low, high


def two_proportion_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when it is undefined)."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (s1 + s2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (s1 / n1 - s2 / n2) / math.sqrt(variance)
    return min(1.0, max(0.0, math.erfc(abs(z) / math.sqrt(2))))


def lift(rate: float | None, baseline: float | None) -> float | None:
    """Relative change of `rate` over `baseline` (None when the baseline is 0 or unknown)."""
    if rate is None or not baseline:
        return None
    return rate / baseline - 1


def has_sample(arm: Arm, minimum: MinSample) -> bool:
    """True when the arm meets the minimum sample."""
    failures = arm.exposures - arm.successes
    return (
        arm.exposures >= minimum.exposures
        and arm.successes >= minimum.successes
        and failures >= minimum.successes
    )


def analyse(arms: Sequence[Arm], minimum: MinSample = MinSample(), alpha: float = ALPHA) -> Result:
    """Rates, intervals, lifts, p-values and the verdict of a test with two or more arms."""
    if len(arms) < 2:
        raise ValueError(gettext("至少需要两个测试组"))
    best = max(arms, key=lambda a: a.rate if a.rate is not None else -1.0)
    control = arms[0].rate
    results = [_arm_result(arm, best, control, minimum) for arm in arms]
    if not all(r.enough for r in results):
        return Result(results, None, gettext("样本不足"))
    threshold = alpha / (len(arms) - 1)
    others = [r.p_value for r in results if r.arm is not best]
    if all(p is not None and p < threshold for p in others):
        return Result(results, best.label, gettext("胜出"))
    return Result(results, None, gettext("差异不显著"))


def _arm_result(arm: Arm, best: Arm, control: float | None, minimum: MinSample) -> ArmResult:
    low, high = wilson(arm.successes, arm.exposures) if arm.exposures else (None, None)
    p = None
    if arm is not best:
        p = two_proportion_p(arm.successes, arm.exposures, best.successes, best.exposures)
    return ArmResult(arm, arm.rate, low, high, lift(arm.rate, control), p, has_sample(arm, minimum))
