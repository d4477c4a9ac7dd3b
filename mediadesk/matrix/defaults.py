"""Default platforms and their limits (commonly cited figures; admins edit them in 设置 → 平台).

Sources: ../shared/reference/domain-cn.md §4 (WeChat draft API: title ≤32, digest ≤128,
content <20,000; mass-send quotas: 订阅号 1/day, 服务号 4/month). Name and bio limits of the
other platforms are the figures their profile editors enforce at the time of writing and
change from time to time, which is why they are data.
"""

from __future__ import annotations

from typing import Any

PLATFORMS: list[dict[str, object]] = [
    {"code": "douyin", "name": "抖音", "name_max_len": 20, "bio_max_len": 250, "title_max_len": 55,
     "body_max_len": 1000, "supports_live": True, "has_api": True, "sort": 10},
    {"code": "wechat_mp", "name": "微信公众号", "name_max_len": 30, "bio_max_len": 120, "title_max_len": 32,
     "body_max_len": 20000, "daily_send_quota": 1, "monthly_send_quota": 4, "has_api": True, "sort": 20,
     "notes": "订阅号每天可群发 1 次；服务号每月 4 次。账号类型填“订阅号”或“服务号”。"},
    {"code": "wechat_channels", "name": "微信视频号", "name_max_len": 20, "bio_max_len": 200, "title_max_len": 16,
     "body_max_len": 1000, "supports_live": True, "sort": 30},
    {"code": "weibo", "name": "微博", "name_max_len": 30, "bio_max_len": 70, "body_max_len": 2000,
     "has_api": True, "supports_live": True, "sort": 40},
    {"code": "xiaohongshu", "name": "小红书", "name_max_len": 24, "bio_max_len": 100, "title_max_len": 20,
     "body_max_len": 1000, "supports_live": True, "sort": 50},
    {"code": "bilibili", "name": "哔哩哔哩", "name_max_len": 16, "bio_max_len": 70, "title_max_len": 80,
     "body_max_len": 2000, "supports_live": True, "sort": 60},
    {"code": "zhihu", "name": "知乎", "name_max_len": 20, "bio_max_len": 100, "title_max_len": 100, "sort": 70},
    {"code": "kuaishou", "name": "快手", "name_max_len": 20, "bio_max_len": 100, "title_max_len": 50,
     "supports_live": True, "sort": 80},
    {"code": "wechat_miniprogram", "name": "微信小程序", "name_max_len": 30, "bio_max_len": 120, "sort": 90},
    {"code": "website", "name": "官网", "sort": 100},
]  # fmt: skip


def install(platform_model: Any, rule_model: Any) -> None:
    """Create the default platforms and standards rules that are missing (keeps edited ones)."""
    from mediadesk.matrix.rules import DEFAULT_RULES

    for row in PLATFORMS:
        values = dict(row)
        platform_model.objects.get_or_create(code=values.pop("code"), defaults=values)
    for rule in DEFAULT_RULES:
        rule_model.objects.get_or_create(
            code=rule.code, defaults={"message": rule.message, "severity": rule.severity}
        )
