"""Default planning data: topic categories and per-platform best posting times.

Best times are the commonly cited windows of domain-cn.md §6 (weakly sourced, hence
editable): 公众号 07–09/12–13:30/19–21:30 (黄金档); 抖音 12–13, 17–19 (a 2021 book finds
17–18 best daily), 21–23 and weekends 09–13; 小红书 12–13, 20–22 and the 23–02 次高峰;
微博 12–13 and 20–23; B站 18–23 and weekend afternoons; 视频号 07–09/12–13/20–22; the rest
use the generic 07–09/12–14/18–22 and weekend 09–11. A window whose end is before its
start runs past midnight.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CATEGORIES = ("产品类", "品牌类", "活动类", "服务类", "行业类")

# platform code -> [(weekend only, start, end, note)]
GENERIC = [
    (False, "07:00", "09:00", "通勤早高峰"),
    (False, "12:00", "14:00", "午休（12:30–13:30 最集中）"),
    (False, "18:00", "22:00", "晚间（20:00–22:00 最专注）"),
    (True, "09:00", "11:00", "周末上午"),
]
BEST_TIMES: dict[str, list[tuple[bool, str, str, str]]] = {
    "wechat_mp": [
        (False, "07:00", "09:00", "早间"),
        (False, "12:00", "13:30", "午休"),
        (False, "19:00", "21:30", "黄金档"),
    ],
    "douyin": [
        (False, "12:00", "13:00", "午休"),
        (False, "17:00", "19:00", "下班前后（17–18 点最佳）"),
        (False, "21:00", "23:00", "睡前"),
        (True, "09:00", "13:00", "周末上午"),
    ],
    "xiaohongshu": [
        (False, "12:00", "13:00", "午休"),
        (False, "20:00", "22:00", "晚间高峰"),
        (False, "23:00", "02:00", "深夜次高峰（单用户互动更高）"),
    ],
    "weibo": [(False, "12:00", "13:00", "午休"), (False, "20:00", "23:00", "晚间热搜时段")],
    "bilibili": [(False, "18:00", "23:00", "晚间"), (True, "13:00", "18:00", "周末下午")],
    "wechat_channels": [
        (False, "07:00", "09:00", "早间"),
        (False, "12:00", "13:00", "午休"),
        (False, "20:00", "22:00", "晚间"),
    ],
    "kuaishou": GENERIC,
    "zhihu": GENERIC,
}


def install_best_times(platform_model: Any, best_time_model: Any) -> int:
    """Create the default windows of every platform that has none yet (keeps edited ones)."""
    created = 0
    for platform in platform_model.objects.filter(code__in=list(BEST_TIMES)):
        if best_time_model.objects.filter(platform=platform).exists():
            continue
        for weekend, starts, ends, note in BEST_TIMES[platform.code]:
            best_time_model.objects.create(
                platform=platform, weekend=weekend, note=note,
                starts=dt.time.fromisoformat(starts), ends=dt.time.fromisoformat(ends),
            )  # fmt: skip
            created += 1
    return created
