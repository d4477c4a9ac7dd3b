"""Pure rules of the live app: plan dates, checklist checks, derived rates, value parsing."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

TITLE_MAX = 10
COVER_MIN_SIDE = 500
WARMUP_LEAD = dt.timedelta(hours=2)
LEADER_DAY = 20
POPULAR_WINDOWS = ((6, 9), (11, 13), (15, 18), (19, 21))

AUTO_CODES = (
    "title_length",
    "cover_square",
    "warmup_video",
    "script",
    "profile_slots",
    "compliance",
)
CONFIRM_CODES = ("cover_quality", "signature_notice", "music_volume", "environment")
CHECKLIST_CODES = (
    "title_length",
    "cover_square",
    "cover_quality",
    "warmup_video",
    "script",
    "profile_slots",
    "signature_notice",
    "compliance",
    "music_volume",
    "environment",
)
DUE_BEFORE = {
    "title_length": dt.timedelta(days=3),
    "cover_square": dt.timedelta(days=1),
    "cover_quality": dt.timedelta(days=1),
    "warmup_video": WARMUP_LEAD,
    "script": dt.timedelta(days=1),
    "profile_slots": dt.timedelta(days=1),
    "signature_notice": dt.timedelta(days=2),
    "compliance": dt.timedelta(days=1),
    "music_volume": dt.timedelta(minutes=30),
    "environment": dt.timedelta(minutes=30),
}

# The seed's three stages (minutes): 开场预热 20, 产品介绍 70, 总结 30.
DEFAULT_STAGES = (
    ("开场预热", 20, "介绍本场福利，抛出互动问题"),
    ("产品介绍", 70, "详细介绍项目，在线人数高峰时粉丝答疑"),
    ("总结", 30, "预告下期时间与主题，引导关注与留资"),
)

SCRIPT_VARIABLES = ("{项目名}", "{特价房源}", "{下期时间}")


def fill_variables(text: str, values: Mapping[str, str]) -> str:
    """A 话术 with its variables ({项目名} …) replaced; unknown ones are left as written."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


TRANSITIONS = {
    "planned": {"preparing", "cancelled"},
    "preparing": {"live", "cancelled", "planned"},
    "live": {"ended"},
    "ended": {"reviewed"},
    "reviewed": set(),
    "cancelled": set(),
}


def plan_dates(year: int, month: int, weekdays: Iterable[int]) -> list[dt.date]:
    """Every day of the month whose weekday (0=Mon) is in `weekdays`."""
    wanted = set(weekdays)
    days = calendar.monthrange(year, month)[1]
    return [
        dt.date(year, month, d)
        for d in range(1, days + 1)
        if dt.date(year, month, d).weekday() in wanted
    ]


def title_ok(title: str) -> bool:
    """直播标题 ≤ 10 characters; a CJK character counts as 1."""
    return 0 < len(title.strip()) <= TITLE_MAX


def cover_square(width: int | None, height: int | None) -> bool:
    """A square cover of at least COVER_MIN_SIDE pixels a side."""
    return bool(width and height and width == height and width >= COVER_MIN_SIDE)


def warmup_ok(published_at: dt.datetime | None, start: dt.datetime) -> bool:
    """The warm-up video counts when published at least 2 h before the start."""
    return published_at is not None and start - published_at >= WARMUP_LEAD


def bio_mentions(bio: str, start: dt.datetime) -> bool:
    """The account's bio names the session's start time (e.g. 15:00 or 15点)."""
    hh = start.hour
    return any(
        p in bio
        for p in (
            f"{hh:02d}:{start.minute:02d}",
            f"{hh}:{start.minute:02d}",
            f"{hh}点",
            f"{hh}：{start.minute:02d}",
        )
    )


def in_popular_window(start: dt.time, windows: Iterable[tuple[int, int]] = POPULAR_WINDOWS) -> bool:
    return any(a <= start.hour < b for a, b in windows)


@dataclass(frozen=True)
class Rate:
    numerator: int | None
    denominator: int | None

    @property
    def value(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


def rates(f: Mapping[str, int | None]) -> dict[str, Rate]:
    """转粉率, 加团率, 互动率 (评论人数/观看人数), 留资率 — all over 观看人数 (UV)."""
    uv = f.get("viewers")
    return {
        "follow_rate": Rate(f.get("new_followers"), uv),
        "fan_club_rate": Rate(f.get("fan_club_joins"), uv),
        "interaction_rate": Rate(f.get("commenters"), uv),
        "lead_rate": Rate(f.get("leads"), uv),
    }


def figure_errors(f: Mapping[str, int | None]) -> dict[str, str]:
    """Consistency errors of a figures set (negative counts, peak above PV/UV)."""
    errors = {k: _("不能为负数") for k, v in f.items() if isinstance(v, int) and v < 0}
    peak = f.get("peak_online")
    if peak is not None and f.get("views") is not None and peak > (f["views"] or 0):
        errors["peak_online"] = _("最高在线不能大于观看人次")
    elif peak is not None and f.get("viewers") is not None and peak > (f["viewers"] or 0):
        errors["peak_online"] = _("最高在线不能大于观看人数")
    return errors


_WAN = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*[万wW]$")
_DURATION = re.compile(r"^(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?$")


def parse_count(text: str) -> int | None:
    """'12,000' → 12000, '1.2万' → 12000, '—'/'' → None; ValueError otherwise."""
    t = text.strip().replace(",", "").replace("，", "")
    if t in ("", "-", "—", "--", "/"):
        return None
    m = _WAN.match(t)
    if m:
        return round(float(m.group(1)) * 10000)
    if t.endswith("%"):
        raise ValueError(t)
    value = float(t)
    if not value.is_integer():
        raise ValueError(t)
    return int(value)


def parse_seconds(text: str) -> int | None:
    """'3分20秒' → 200, '200' → 200, '—' → None."""
    t = text.strip()
    if t in ("", "-", "—", "--"):
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return round(float(t))
    m = _DURATION.match(t)
    if not m or not any(m.groups()):
        raise ValueError(t)
    h, mi, s = (int(g or 0) for g in m.groups())
    return h * 3600 + mi * 60 + s
