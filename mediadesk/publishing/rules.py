"""Pure rules of publishing: retry backoff, copy similarity, overdue packages."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def backoff(attempt: int, *, base: float = 30.0, cap: float = 3600.0,
            rng: random.Random | None = None) -> dt.timedelta:  # fmt: skip
    """Exponential backoff with full jitter: attempt 1 → up to base, doubling, capped."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    jitter = (rng or random).uniform(0.5, 1.0)
    return dt.timedelta(seconds=ceiling * jitter)


def normalise(text: str) -> str:
    """Lower-case, width-folded text without punctuation or spaces."""
    return PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(text: str, k: int = 3) -> set[str]:
    norm = normalise(text)
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character 3-shingles of the normalised texts (0…1)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def package_overdue(planned: dt.datetime, now: dt.datetime, grace: dt.timedelta) -> bool:
    """A package not marked published `grace` after its slot is overdue."""
    return now > planned + grace


def in_quiet_hours(hour: int, quiet: tuple[int, int] | None) -> bool:
    """True if the local `hour` falls in the quiet window (which may wrap past midnight)."""
    if quiet is None or quiet[0] == quiet[1]:
        return False
    start, end = quiet
    return start <= hour < end if start < end else hour >= start or hour < end
