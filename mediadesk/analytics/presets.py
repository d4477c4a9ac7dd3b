"""Import presets: the column headers of the platforms' exports (domain-cn §3.2–3.5) mapped to
snapshot fields, plus the generic MediaDesk template; and the same for account daily and
mini-program daily figures (§3.1, §3.3). Saved presets (ImportPreset) use the same
{header: field} shape; `IGNORE` drops a column (derived rates the engine recomputes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

IGNORE = ""

# Field → (label, kind). Kinds: id / text / time / count / rate / seconds / extra.
FIELDS: dict[str, tuple[str, str]] = {
    "variant": (gettext_noop("MediaDesk 发布ID"), "id"),
    "account": (gettext_noop("账号"), "text"),
    "external_id": (gettext_noop("平台内容ID"), "text"),
    "url": (gettext_noop("内容链接"), "text"),
    "title": (gettext_noop("标题"), "text"),
    "published_at": (gettext_noop("发布时间"), "time"),
    "taken_at": (gettext_noop("统计时间"), "time"),
    "impressions": (gettext_noop("曝光"), "count"),
    "reads": (gettext_noop("阅读/播放次数"), "count"),
    "readers": (gettext_noop("阅读/播放人数"), "count"),
    "likes": (gettext_noop("点赞"), "count"),
    "comments": (gettext_noop("评论"), "count"),
    "shares": (gettext_noop("分享/转发次数"), "count"),
    "sharers": (gettext_noop("分享人数"), "count"),
    "favourites": (gettext_noop("收藏"), "count"),
    "zaikan": (gettext_noop("在看"), "count"),
    "follower_gain": (gettext_noop("涨粉/阅读后关注"), "count"),
    "clicks": (gettext_noop("点击"), "count"),
    "delivered": (gettext_noop("送达人数"), "count"),
    "message_reads": (gettext_noop("公众号消息阅读次数"), "count"),
    "conv_leads": (gettext_noop("留资"), "count"),
    "conv_registrations": (gettext_noop("注册"), "count"),
    "conv_purchases": (gettext_noop("购买"), "count"),
    "conv_consultations": (gettext_noop("咨询"), "count"),
    "completion_rate": (gettext_noop("完播率"), "rate"),
    "bounce_2s": (gettext_noop("2s跳出率"), "rate"),
    "completion_5s": (gettext_noop("5s完播率"), "rate"),
    "read_completion": (gettext_noop("阅读完成率"), "rate"),
    "avg_play_seconds": (gettext_noop("平均播放时长(秒)"), "seconds"),
    "extra": (gettext_noop("其他(原样保存)"), "extra"),
}
COUNT_FIELDS = tuple(name for name, (_, kind) in FIELDS.items() if kind == "count")
RATE_FIELDS = tuple(name for name, (_, kind) in FIELDS.items() if kind == "rate")
MATCH_FIELDS = ("variant", "external_id", "url", "title")

# Daily figures (one row per account and day). Kind "signed" is a checked, not stored, figure;
# "by_header" columns are kept per column header (渠道 → 阅读次数).
ACCOUNT_DAILY_FIELDS: dict[str, tuple[str, str]] = {
    "account": (gettext_noop("账号"), "text"),
    "date": (gettext_noop("日期"), "date"),
    "followers": (gettext_noop("累积关注人数"), "count"),
    "new_followers": (gettext_noop("新关注人数"), "count"),
    "cancelled_followers": (gettext_noop("取消关注人数"), "count"),
    "net_gain": (gettext_noop("净增关注人数"), "signed"),
    "reads_by_source": (gettext_noop("分渠道阅读次数"), "by_header"),
}
MINI_DAILY_FIELDS: dict[str, tuple[str, str]] = {
    "account": (gettext_noop("账号"), "text"),
    "date": (gettext_noop("日期"), "date"),
    "visit_uv": (gettext_noop("访问人数"), "count"),
    "visit_pv": (gettext_noop("访问次数"), "count"),
    "new_users": (gettext_noop("新用户数"), "count"),
    "stay_seconds_per_user": (gettext_noop("人均停留时长(秒)"), "seconds"),
    "buyers": (gettext_noop("购买人数"), "count"),
}
FIELDS_OF: dict[str, dict[str, tuple[str, str]]] = {
    "snapshots": FIELDS, "account_daily": ACCOUNT_DAILY_FIELDS, "mini_daily": MINI_DAILY_FIELDS,
}  # fmt: skip
BY_HEADER = {name for fields in FIELDS_OF.values() for name, (_, k) in fields.items()
             if k == "by_header"}  # fmt: skip


@dataclass(frozen=True)
class Preset:
    """A built-in preset: its code, name, platform code and {header: field} mapping."""

    code: str
    name: str
    platform: str
    mapping: dict[str, str]
    kind: str = "snapshots"


WECHAT_NOTIFIED = Preset(
    "wechat_notified",
    gettext_noop("公众号 已通知内容 导出"),
    "wechat_mp",
    {
        "内容标题": "title",
        "发表时间": "published_at",
        "总阅读人数": "readers",
        "总阅读次数": "reads",
        "总分享人数": "sharers",
        "总分享次数": "shares",
        "阅读后关注人数": "follower_gain",
        "送达人数": "delivered",
        "公众号消息阅读次数": "message_reads",
        "送达阅读率": IGNORE,  # = 公众号消息阅读次数 / 送达人数, recomputed
        "首次分享次数": "extra",
        "分享产生阅读次数": "extra",
        "首次分享率": IGNORE,
        "每次分享带来阅读次数": IGNORE,
        "阅读完成率": "read_completion",
        "内容url": "url",
    },
)
DOUYIN_VIDEOS = Preset(
    "douyin_videos",
    gettext_noop("抖音 创作者中心 作品数据导出"),
    "douyin",
    {
        "作品ID": "external_id", "作品名称": "title", "作品标题": "title", "发布时间": "published_at",
        "作品链接": "url", "曝光量": "impressions", "播放量": "reads", "均播时长": "avg_play_seconds",
        "平均播放时长": "avg_play_seconds", "2s跳出率": "bounce_2s", "5s完播率": "completion_5s",
        "整体完播率": "completion_rate", "完播率": "completion_rate", "点赞": "likes",
        "点赞量": "likes", "评论": "comments", "评论量": "comments", "分享": "shares",
        "分享量": "shares", "收藏": "favourites", "收藏量": "favourites", "涨粉": "follower_gain",
        "涨粉量": "follower_gain", "导粉": "extra", "主页访问": "extra",
    },
)  # fmt: skip
XHS_NOTES = Preset(
    "xiaohongshu_notes",
    gettext_noop("小红书 笔记数据导出"),
    "xiaohongshu",
    {
        "笔记ID": "external_id", "笔记标题": "title", "笔记链接": "url", "首次发布时间": "published_at",
        "发布时间": "published_at", "曝光": "impressions", "曝光量": "impressions",
        "观看量": "reads", "阅读量": "reads", "点赞": "likes", "收藏": "favourites",
        "评论": "comments", "分享": "shares", "涨粉": "follower_gain", "封面点击率": "extra",
        "人均观看时长": "avg_play_seconds",
    },
)  # fmt: skip
WEIBO_POSTS = Preset(
    "weibo_posts",
    gettext_noop("微博 博文数据导出"),
    "weibo",
    {
        "微博ID": "external_id", "mid": "external_id", "微博链接": "url", "链接": "url",
        "微博内容": "title", "博文内容": "title", "发布时间": "published_at", "曝光量": "impressions",
        "阅读数": "reads", "阅读量": "reads", "转发": "shares", "转发数": "shares",
        "评论": "comments", "评论数": "comments", "赞": "likes", "点赞数": "likes",
        "互动数": IGNORE,
    },
)  # fmt: skip
GENERIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("账号", "account"), ("MediaDesk 发布ID", "variant"), ("平台内容ID", "external_id"),
    ("内容链接", "url"), ("标题", "title"), ("发布时间", "published_at"), ("统计时间", "taken_at"),
    ("曝光", "impressions"), ("阅读/播放次数", "reads"), ("阅读/播放人数", "readers"),
    ("点赞", "likes"), ("评论", "comments"), ("分享/转发次数", "shares"), ("分享人数", "sharers"),
    ("收藏", "favourites"), ("在看", "zaikan"), ("涨粉", "follower_gain"), ("点击", "clicks"),
    ("送达人数", "delivered"), ("公众号消息阅读次数", "message_reads"),
    ("完播率", "completion_rate"), ("平均播放时长(秒)", "avg_play_seconds"),
    ("2s跳出率", "bounce_2s"), ("5s完播率", "completion_5s"), ("阅读完成率", "read_completion"),
    ("留资", "conv_leads"), ("注册", "conv_registrations"), ("购买", "conv_purchases"),
    ("咨询", "conv_consultations"),
)  # fmt: skip
GENERIC = Preset("mediadesk", gettext_noop("MediaDesk 通用模板"), "", dict(GENERIC_COLUMNS))

ACCOUNT_DAILY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("账号", "account"), (gettext_noop("日期"), "date"), ("累积关注人数", "followers"),
    ("新关注人数", "new_followers"), ("取消关注人数", "cancelled_followers"),
    ("净增关注人数", "net_gain"), ("会话阅读次数", "reads_by_source"),
    ("朋友圈阅读次数", "reads_by_source"), ("搜一搜阅读次数", "reads_by_source"),
    ("其他渠道阅读次数", "reads_by_source"),
)  # fmt: skip
ACCOUNT_DAILY = Preset(
    "mediadesk_account_daily", gettext_noop("MediaDesk 账号日数据模板"), "", dict(ACCOUNT_DAILY_COLUMNS),
    "account_daily",
)  # fmt: skip
# 公众号后台 用户分析 → 用户增长 → 下载表格 (domain-cn §3.1: new_user, cancel_user, cumulate_user).
WECHAT_USER_ANALYSIS = Preset(
    "wechat_user_analysis", gettext_noop("公众号 用户分析 导出"), "wechat_mp",
    {"日期": "date", "时间": "date", "新关注人数": "new_followers", "取消关注人数": "cancelled_followers",
     "净增关注人数": "net_gain", "累积关注人数": "followers"},
    "account_daily",
)  # fmt: skip
MINI_DAILY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("账号", "account"), (gettext_noop("日期"), "date"), ("访问人数", "visit_uv"), ("访问次数", "visit_pv"),
    ("新用户数", "new_users"), ("人均停留时长(秒)", "stay_seconds_per_user"),
    ("购买人数", "buyers"),
)  # fmt: skip
MINI_DAILY = Preset(
    "mediadesk_mini_daily", gettext_noop("MediaDesk 小程序日数据模板"), "",
    {**dict(MINI_DAILY_COLUMNS), "新用户": "new_users", "人均停留时长": "stay_seconds_per_user",
     "打开次数": IGNORE, "次均停留时长": IGNORE, "平均访问深度": IGNORE},
    "mini_daily",
)  # fmt: skip
TEMPLATE_OF = {"snapshots": GENERIC, "account_daily": ACCOUNT_DAILY, "mini_daily": MINI_DAILY}

BUILTIN: dict[str, Preset] = {
    p.code: p
    for p in (
        WECHAT_NOTIFIED,
        DOUYIN_VIDEOS,
        XHS_NOTES,
        WEIBO_POSTS,
        GENERIC,
        ACCOUNT_DAILY,
        WECHAT_USER_ANALYSIS,
        MINI_DAILY,
    )
}


def builtin_for(platform_code: str, kind: str = "snapshots") -> list[Preset]:
    """The built-in presets offered for a platform and kind (its own export first, then the
    template)."""
    own = [p for p in BUILTIN.values() if p.platform == platform_code and p.kind == kind]
    return [*own, TEMPLATE_OF[kind]]


def guess(headers: list[str], platform_code: str, kind: str = "snapshots") -> Preset:
    """The built-in preset that recognises most of the file's headers."""
    candidates = builtin_for(platform_code, kind)
    return max(candidates, key=lambda p: sum(1 for h in headers if h in p.mapping))


def apply(mapping: dict[str, str], headers: list[str], kind: str = "snapshots") -> dict[str, str]:
    """The file's {header: field} mapping from a preset: headers the preset does not know are
    ignored; the kind's template headers are recognised under any preset."""
    generic = TEMPLATE_OF[kind].mapping
    return {h: mapping.get(h, generic.get(h, IGNORE)) for h in headers if h}


def fits(mapping: dict[str, str], kind: str) -> bool:
    """Whether a (saved) mapping only uses fields of `kind`."""
    return set(mapping.values()) <= {IGNORE, *FIELDS_OF[kind]}
