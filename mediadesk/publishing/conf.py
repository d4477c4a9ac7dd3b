"""Publishing settings with their defaults (documented in the README)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def _get(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def max_attempts() -> int:
    return int(_get("PUBLISHING_MAX_ATTEMPTS", 5))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=_get("PUBLISHING_LEASE_SECONDS", 300))


def redispatch_after() -> dt.timedelta:
    """A dispatched job still queued after this lost its task (killed worker): dispatch again."""
    return max(lease(), dt.timedelta(seconds=_get("PUBLISHING_REDISPATCH_SECONDS", 300)))


def backoff_base() -> float:
    return _get("PUBLISHING_BACKOFF_SECONDS", 30)


def poll_every() -> dt.timedelta:
    return dt.timedelta(seconds=_get("PUBLISHING_POLL_SECONDS", 20))


def package_grace() -> dt.timedelta:
    return dt.timedelta(hours=_get("PUBLISHING_PACKAGE_OVERDUE_HOURS", 2))


def rate_per_minute() -> float:
    return _get("PUBLISHING_RATE_PER_MINUTE", 30)


def similarity_threshold() -> float:
    return _get("PUBLISHING_SIMILARITY_THRESHOLD", 0.8)


PULL_HOURS = (1, 24, 48, 72)
DAILY_PULL_DAYS = 7  # days of account figures each daily pull asks for (gaps fill themselves)
CHECK_AFTER = dt.timedelta(hours=1)
CHECK_ESCALATE_AFTER = dt.timedelta(hours=1)  # after the check is due


def quiet_hours() -> tuple[int, int] | None:
    """Local hours (start, end) in which posting warns, from PUBLISHING_QUIET_HOURS "23-7"."""
    text = str(getattr(settings, "PUBLISHING_QUIET_HOURS", "") or "")
    try:
        start, end = (int(part) % 24 for part in text.split("-", 1))
    except ValueError:
        return None
    return start, end
