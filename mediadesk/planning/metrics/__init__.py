"""The metric catalogue: a registry of providers, one small module per source.

A provider computes a key result's actual for a scope and a period and lists the rows behind
it. Apps merged later (live, publishing, inbox, private domain) add one module each here and
import it in `load()`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Scope = Mapping[str, Any]  # {"accounts": [id], "platforms": [code], "series": [id], ...}
Actual = Callable[[int, Scope, dt.date, dt.date], Decimal | None]
Rows = Callable[[int, Scope, dt.date, dt.date], list[dict[str, Any]]]

SCOPE_KEYS = ("accounts", "platforms", "series", "campaign", "projects", "items", "person")


@dataclass(frozen=True)
class Metric:
    """One catalogue entry: where its actual comes from and how it compares to a target."""

    code: str
    label: Any
    source: Any
    unit: Any
    actual: Actual | None = None  # None: manual, or its source app has not landed yet
    rows: Rows | None = None
    kind: str = "sum"  # "sum" (accumulates over the period) or "level" (rates, levels)
    manual: bool = False
    scopes: tuple[str, ...] = field(default=SCOPE_KEYS)

    @property
    def computed(self) -> bool:
        return self.actual is not None


_CATALOGUE: dict[str, Metric] = {}
MODULES = (
    "analytics",
    "content",
    "review",
    "leads",
    "live",
    "publishing",
    "engagement",
    "private",
    "manual",
)


def register(*metrics: Metric) -> None:
    """Add providers to the catalogue (a later registration of a code replaces it)."""
    for metric in metrics:
        _CATALOGUE[metric.code] = metric


def load() -> None:
    """Import every provider module once (called from AppConfig.ready)."""
    for name in MODULES:
        importlib.import_module(f"mediadesk.planning.metrics.{name}")


def catalogue() -> list[Metric]:
    return list(_CATALOGUE.values())


def get(code: str) -> Metric | None:
    return _CATALOGUE.get(code)


def ids(scope: Scope, key: str) -> list[Any]:
    """A scope entry as a list (single values, e.g. a person, become one-element lists)."""
    value = scope.get(key)
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


_MEMO: ContextVar[dict[Hashable, Any] | None] = ContextVar("planning_metric_memo", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Within a recompute run, providers share grouped figures (one query per period)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memo[T](key: Hashable, compute: Callable[[], T]) -> T | None:
    """`compute()` once per key inside `batch()`; None outside it (compute directly)."""
    cache = _MEMO.get()
    if cache is None:
        return None
    if key not in cache:
        cache[key] = compute()
    return cache[key]
