"""The one supported range for date and datetime input (forms, filters, API): 2000–2100.

Dates outside it (0001-01-01, 9999-12-31) overflow timezone arithmetic and drivers; every
input path checks here and answers with a 4xx or a form error instead of a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2100, 12, 31)
MESSAGE = "日期超出支持范围（2000-01-01 至 2100-12-31）"


def in_range(value: dt.date | dt.datetime) -> bool:
    """Whether a date or datetime falls inside the supported range."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return FIRST <= day <= LAST


def bounded(value: Any) -> Any:
    """A pydantic/form validator: the value itself, or ValueError outside the range."""
    if isinstance(value, dt.date) and not in_range(value):
        raise ValueError(MESSAGE)
    return value


def parse_day(text: str) -> dt.date | None:
    """A filter's YYYY-MM-DD text as a date; None when blank, malformed or out of range."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if in_range(day) else None
