"""The 工作台 cockpit: what an app's home card shows, so every number links to its list.

A `Figure` made by `counted()` is the number of rows of a list page for a query string,
computed with the list's own FilterSet over the rows the user may see — so the number and
the list it links to cannot disagree. Other figures (sums, rates, waiting times) link to the
page that explains them and say so (`counted=False`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.core.filters import FilterSet


@dataclass(frozen=True)
class Figure:
    """A number on a card; `counted` when it is the row count of the list at `url`."""

    label: str
    value: int | str
    url: str
    counted: bool = True
    note: str = ""  # e.g. 环比 +12.5%
    tone: str = ""  # bootstrap text colour: danger / warning / success


@dataclass(frozen=True)
class Line:
    """A row under the figures: a label, its value and where it leads (optional progress)."""

    label: str
    value: str
    url: str
    progress: int | None = None  # percent, for quota bars
    tone: str = ""


@dataclass
class Card:
    """The context of `core/home/cockpit_card.html`."""

    key: str
    title: str
    icon: str
    figures: list[Figure] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    actions: list[tuple[str, str, str]] = field(default_factory=list)  # (label, url, icon)
    empty: str = ""  # shown when there are neither figures nor lines
    note: str = ""

    def context(self) -> dict[str, Any]:
        return {"cockpit": self}


TEMPLATE = "core/home/cockpit_card.html"


def link(url_name: str, params: Mapping[str, Any] | None = None, *args: Any) -> str:
    """The page's address with the query string of its filters."""
    url = reverse(url_name, args=args or None)
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return f"{url}?{urlencode(clean)}" if clean else url


def counted(
    label: str,
    filters: type[FilterSet],
    rows: QuerySet[Any],
    url_name: str,
    params: Mapping[str, Any] | None = None,
    *,
    alarm: str = "",
    note: str = "",
) -> Figure:
    """The number of `rows` the list at `url_name` shows for `params` (same FilterSet);
    `alarm` colours it when it is not zero."""
    value = filters.from_query({k: str(v) for k, v in (params or {}).items()}).apply(rows).count()
    return Figure(label, value, link(url_name, params), tone=alarm if value else "", note=note)


def change(current: int | Decimal | None, previous: int | Decimal | None) -> str:
    """环比 as people write it: +12.5% / −3.0% / 持平; nothing to compare with → 上期无数据."""
    if current is None or not previous:
        return _("上期无数据")
    ratio = (Decimal(current) - Decimal(previous)) / Decimal(previous) * 100
    if abs(ratio) < Decimal("0.05"):
        return _("环比持平")
    return _("环比 %(sign)s%(pct)s%%") % {
        "sign": "+" if ratio > 0 else "−",
        "pct": f"{abs(ratio):.1f}",
    }


def today() -> dt.date:
    return timezone.localdate()


def this_week() -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the current week (local time)."""
    monday = today() - dt.timedelta(days=today().weekday())
    return monday, monday + dt.timedelta(days=6)


def month_so_far() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """This month's first day to today, and the same span of last month (for 环比)."""
    end = today()
    start = end.replace(day=1)
    last_end = start - dt.timedelta(days=1)
    last_start = last_end.replace(day=1)
    same_day = min(end.day, last_end.day)
    return start, end, last_start, last_start.replace(day=same_day)


def for_roles(*roles: str) -> Callable[[Any], bool]:
    """A card's audience: users holding one of `roles` somewhere."""
    wanted = set(roles)
    return lambda user: bool(scopes.roles(user) & wanted)


def card(
    audience: Callable[[Any], bool], build: Callable[[Any], Card | None]
) -> Callable[[Any], dict[str, Any] | None]:
    """A HomeCard context function: the card for users in its audience, else hidden."""

    def context(request: Any) -> dict[str, Any] | None:
        user = request.user
        if not getattr(user, "is_authenticated", False) or not audience(user):
            return None
        built = build(user)
        return built.context() if built is not None else None

    return context


def figures_of(cards: Sequence[Mapping[str, Any]]) -> list[Figure]:
    """Every figure of the rendered cards (tests check counted ones against their lists)."""
    return [f for c in cards if "cockpit" in c for f in c["cockpit"].figures]
