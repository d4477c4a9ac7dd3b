"""Tiny timing helpers: repeat a call, report median and p95 in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], *, repeat: int = 20, warmup: int = 2) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median": statistics.median(samples), "p95": p95, "n": len(samples)}


def report(name: str, figures: dict[str, float], budget_ms: float | None = None) -> None:
    verdict = ""
    if budget_ms is not None:
        verdict = "  ✓ within" if figures["p95"] <= budget_ms else "  ✗ OVER"
        verdict += f" budget {budget_ms:.0f} ms"
    print(
        f"  {name:<52} median {figures['median']:8.1f} ms   p95 {figures['p95']:8.1f} ms{verdict}"
    )
