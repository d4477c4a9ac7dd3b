"""Pure engagement rules: SLA due times, lead detection, reply variables and suggestions,
spike and burst detection, incident grading, mention dedup keys. No database access."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# --- SLA -----------------------------------------------------------------------------------

DEFAULT_SLA_MINUTES = 120  # 留言/私信 2 h (seed 002)
DEFAULT_SLAS: dict[tuple[str, str], int] = {("weibo", "comment"): 30, ("weibo", "reply"): 30}


def default_minutes(platform: str, kind: str) -> int:
    """The seed's defaults: 微博评论 30 minutes, everything else 2 hours."""
    return DEFAULT_SLAS.get((platform, kind), DEFAULT_SLA_MINUTES)


def due_at(
    received: dt.datetime,
    minutes: int,
    hours: tuple[dt.time, dt.time] | None = None,
) -> dt.datetime:
    """When the first response is due: `minutes` later, or `minutes` of business hours later
    when `hours` (local start, end on the same day) is given. `received` is local and aware."""
    if hours is None or hours[0] >= hours[1]:
        return received + dt.timedelta(minutes=minutes)
    start, end = hours
    left = dt.timedelta(minutes=minutes)
    cursor = received
    while True:
        day_start = cursor.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        day_end = cursor.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if cursor < day_start:
            cursor = day_start
        if cursor >= day_end:
            cursor = day_start + dt.timedelta(days=1)
            continue
        if cursor + left <= day_end:
            return cursor + left
        left -= day_end - cursor
        cursor = day_start + dt.timedelta(days=1)


def escalation_delay(minutes: int) -> dt.timedelta:
    """How long after a breach the robot is told: half the target, at least 15 minutes."""
    return dt.timedelta(minutes=max(15, minutes // 2))


# --- lead detection -----------------------------------------------------------------------

PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
LEAD_WORDS: dict[str, tuple[str, ...]] = {
    "price": ("多少钱", "价格", "单价", "均价", "总价", "一平", "每平", "几千", "几万", "报价", "首付"),
    "location": ("位置", "在哪", "地址", "怎么走", "哪里", "售楼处", "地铁口"),
    "layout": ("户型", "几室", "平米", "面积", "三室", "四室", "两室", "样板间", "楼层"),
    "discount": ("优惠", "折扣", "特价", "团购", "活动价", "打折", "送车位"),
    "contact": ("电话", "联系方式", "微信", "加v", "私信我", "怎么联系", "看房", "预约"),
}  # fmt: skip
LEAD_LABELS = {
    "phone": "手机号", "price": "问价格", "location": "问位置", "layout": "问户型",
    "discount": "问优惠", "contact": "要联系方式",
}  # fmt: skip


def compact_digits(text: str) -> str:
    """Digits written with spaces or dashes between them (139-1234-5678) joined up."""
    return re.sub(r"(?<=\d)[\s\-]+(?=\d)", "", text)


def phones_in(text: str) -> list[str]:
    """Mainland mobile numbers in `text` (11 digits, +86 stripped)."""
    return list(dict.fromkeys(m.group()[-11:] for m in PHONE.finditer(compact_digits(text))))


def lead_reasons(text: str) -> list[str]:
    """Why a message looks like a potential customer (empty = not a lead candidate)."""
    reasons = ["phone"] if phones_in(text) else []
    lowered = text.lower()
    reasons += [key for key, words in LEAD_WORDS.items() if any(w in lowered for w in words)]
    return reasons


def mask_phones(text: str) -> str:
    """Every mobile number in `text` shown 前三后四 (139****5678)."""
    return PHONE.sub(lambda m: m.group()[-11:][:3] + "****" + m.group()[-4:], compact_digits(text))


# --- standard replies -------------------------------------------------------------------------

VARIABLE = re.compile(r"\{([^{}\s]{1,12})\}")
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "咨询价格": ("价格", "多少钱", "单价", "均价", "一平", "总价", "首付", "贵"),
    "户型面积": ("户型", "面积", "平米", "几室", "三室", "四室", "样板间", "得房率"),
    "交房时间": ("交房", "交付", "什么时候", "工期", "进度", "延期"),
    "学区/配套": ("学区", "学校", "配套", "地铁", "商场", "医院", "幼儿园"),
    "投诉": ("投诉", "维权", "质量", "漏水", "开裂", "退房", "烂尾", "差"),
    "活动规则": ("活动", "优惠", "抽奖", "折扣", "规则", "团购", "礼品"),
    "感谢": ("谢谢", "好评", "点赞", "喜欢", "支持", "不错", "满意"),
    "位置交通": ("位置", "在哪", "地址", "交通", "怎么走", "售楼处"),
}  # fmt: skip
PLATFORM_REPLY_LIMITS = {"douyin": 100, "weibo": 140, "wechat_mp": 600, "xiaohongshu": 500}


def render(text: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """`text` with `{变量}` filled from `values`; also the names that had no value."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if not value:
            missing.append(match.group(1))
            return match.group(0)
        return value

    return VARIABLE.sub(fill, text), missing


def fits(platform: str, text: str) -> bool:
    """True if `text` is within the platform's reply length limit."""
    limit = PLATFORM_REPLY_LIMITS.get(platform)
    return limit is None or len(text) <= limit


@dataclass(frozen=True)
class Candidate:
    """A standard reply as the ranking sees it."""

    id: int
    keywords: tuple[str, ...]
    category: str
    platforms: tuple[str, ...]
    usage: int = 0


def candidate_words(c: Candidate) -> dict[str, int]:
    """The words that point at a reply: its own keywords weigh 3, its category's words 1."""
    words = {w: 1 for w in CATEGORY_WORDS.get(c.category, ())}
    words.update({w: 3 for w in c.keywords if w})
    return words


def rank(
    hits: Mapping[int, int], candidates: Sequence[Candidate], platform: str, top: int = 3
) -> list[int]:
    """The top replies by keyword score (then usage, then id); only fitting platforms."""
    fitting = {c.id: c for c in candidates if not c.platforms or platform in c.platforms}
    scored = [(score, fitting[cid].usage, -cid) for cid, score in hits.items() if cid in fitting]
    scored.sort(reverse=True)
    return [-neg_id for score, _usage, neg_id in scored[:top] if score > 0]


# --- opinion signals ----------------------------------------------------------------------


def is_spike(current: int, baseline: Sequence[int], *, factor: float, min_count: int) -> bool:
    """A spike: at least `min_count` in the window and above `factor` × the baseline median."""
    if current < min_count:
        return False
    median = statistics.median(baseline) if baseline else 0
    return current > factor * median


def red_keywords_in(text: str, red: Iterable[str]) -> list[str]:
    return [w for w in red if w and w in text]


def dedup_key(url: str, text: str) -> str:
    """Mentions are the same when their URL is, or (without URL) their normalised text is."""
    basis = url.strip().lower() if url.strip() else re.sub(r"\s+", "", text)
    return hashlib.sha256(basis.encode()).hexdigest()


@dataclass(frozen=True)
class Facts:
    """What an incident's grade is judged on."""

    reach: int = 0
    negatives: int = 0
    total: int = 0
    red: bool = False
    sources: frozenset[str] = frozenset()

    @property
    def negative_share(self) -> float:
        return self.negatives / self.total if self.total else 0.0


@dataclass(frozen=True)
class GradeRule:
    """A level's conditions; any set condition met gives the level (none set = fallback)."""

    level: int
    min_reach: int | None = None
    min_negative: int | None = None
    min_negative_share: float | None = None
    red_keyword: bool = False
    sources: tuple[str, ...] = ()

    def matches(self, f: Facts) -> bool:
        tests = []
        if self.min_reach is not None:
            tests.append(f.reach >= self.min_reach)
        if self.min_negative is not None:
            tests.append(f.negatives >= self.min_negative)
        if self.min_negative_share is not None:
            tests.append(f.total > 0 and f.negative_share >= self.min_negative_share)
        if self.red_keyword:
            tests.append(f.red)
        if self.sources:
            tests.append(bool(f.sources & set(self.sources)))
        return any(tests) if tests else True


def grade_of(facts: Facts, rules: Sequence[GradeRule]) -> int | None:
    """The most severe level (lowest number) whose rule matches."""
    for rule in sorted(rules, key=lambda r: r.level):
        if rule.matches(facts):
            return rule.level
    return None


DEFAULT_GRADES: tuple[dict[str, Any], ...] = (
    {"level": 1, "name": "一级（重大）", "min_reach": 1_000_000, "min_negative": 100,
     "response_hours": 1.0},
    {"level": 2, "name": "二级（较大）", "min_reach": 100_000, "min_negative": 30,
     "response_hours": 4.0},
    {"level": 3, "name": "三级（一般）", "response_hours": 24.0},
)  # fmt: skip


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]
