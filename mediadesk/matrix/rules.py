"""Profile standards (账号模板) check: pure functions over plain data, no database.

Each check is keyed by a StandardRule code; the rule row supplies message and severity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Profile:
    """An account's profile as the checker sees it."""

    name: str
    level: int
    bio: str = ""
    hook: str = ""
    has_avatar: bool = False
    has_banner: bool = False
    is_live_account: bool = False
    live_schedule: str = ""
    verification: str = "none"
    has_custodian: bool = True
    has_parent: bool = True


@dataclass(frozen=True)
class Template:
    """The level-1 account's standard that its subtree follows."""

    brand_keyword: str = ""
    tone_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    name_max_len: int | None = None
    bio_max_len: int | None = None
    supports_live: bool = False


@dataclass(frozen=True)
class RuleDef:
    code: str
    message: str
    severity: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    field: str
    params: Mapping[str, object] = dc_field(default_factory=dict)


def text_length(text: str) -> int:
    """Length as platforms count it for names and bios: one per character, CJK included."""
    return len(text.strip())


# A live schedule in a bio: a time like 15:00 / 15点 or a weekday mention (周一/星期三/每晚).
LIVE_TIME = re.compile(
    r"(\d{1,2}\s*[:：点]\s*\d{0,2})|(周[一二三四五六日天])|(星期[一二三四五六日天])|每(天|晚|周)"
)
# A hook (钩子) in a bio when no explicit hook is recorded: a call to follow, message, book, claim.
HOOK_WORDS = re.compile(r"关注|私信|预约|留言|咨询|领取|点击|进群|加入|电话|到访|看房|直播间")

Check = Callable[[Profile, Template, Limits], tuple[str, dict[str, object]] | None]


def _name_brand(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    if p.level > 1 and t.brand_keyword and t.brand_keyword not in p.name:
        return "name", {"keyword": t.brand_keyword}
    return None


def _name_length(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    n = text_length(p.name)
    if lim.name_max_len and n > lim.name_max_len:
        return "name", {"limit": lim.name_max_len, "actual": n}
    return None


def _bio_length(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    n = text_length(p.bio)
    if lim.bio_max_len and n > lim.bio_max_len:
        return "bio", {"limit": lim.bio_max_len, "actual": n}
    return None


def _bio_missing(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    return ("bio", {}) if not p.bio.strip() else None


def _hook_missing(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    if p.hook.strip() or HOOK_WORDS.search(p.bio):
        return None
    return "hook", {}


def _avatar_missing(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    return None if p.has_avatar else ("avatar", {})


def _banner_missing(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    return None if p.has_banner else ("banner", {})


def _live_schedule(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    if not p.is_live_account:
        return None
    if LIVE_TIME.search(p.bio):
        return None
    return "bio", {}


def _tone(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    if p.level == 1 or not t.tone_keywords or not p.bio.strip():
        return None
    if any(k in p.bio for k in t.tone_keywords):
        return None
    return "bio", {"keyword": "、".join(t.tone_keywords)}


def _custodian(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    return None if p.has_custodian else ("custodian", {})


def _verification(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    if p.level <= 2 and p.verification != "enterprise":
        return "verification", {}
    return None


def _orphan(p: Profile, t: Template, lim: Limits) -> tuple[str, dict[str, object]] | None:
    return ("parent", {}) if p.level > 1 and not p.has_parent else None


CHECKS: dict[str, Check] = {
    "parent_missing": _orphan,
    "name_missing_brand": _name_brand,
    "name_too_long": _name_length,
    "bio_too_long": _bio_length,
    "bio_missing": _bio_missing,
    "hook_missing": _hook_missing,
    "avatar_missing": _avatar_missing,
    "banner_missing": _banner_missing,
    "live_schedule_missing": _live_schedule,
    "tone_missing": _tone,
    "custodian_missing": _custodian,
    "verification_missing": _verification,
}

# The defaults the migration installs; legal/admin can reword or disable them.
DEFAULT_RULES: tuple[RuleDef, ...] = (
    RuleDef("name_missing_brand", "账号名称缺少品牌关键词“{keyword}”", "error"),
    RuleDef("name_too_long", "账号名称 {actual} 字，超过平台上限 {limit} 字", "error"),
    RuleDef("bio_too_long", "简介 {actual} 字，超过平台上限 {limit} 字", "error"),
    RuleDef("bio_missing", "简介为空：应突出领域、体现价值并设置钩子", "error"),
    RuleDef("hook_missing", "没有钩子/行动号召（如“关注”“私信”“预约看房”）", "warning"),
    RuleDef("avatar_missing", "未上传头像", "warning"),
    RuleDef("banner_missing", "未上传背景图", "info"),
    RuleDef("live_schedule_missing", "直播账号的简介中没有写直播时间", "warning"),
    RuleDef("tone_missing", "简介未体现模板的价值观/格调关键词：{keyword}", "info"),
    RuleDef("custodian_missing", "未指定负责人（专人专管）", "error"),
    RuleDef("parent_missing", "未挂接上级账号，无法继承账号模板", "warning"),
    RuleDef("verification_missing", "一、二级账号应完成企业认证", "warning"),
)

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_profile(
    profile: Profile, template: Template, limits: Limits, rules: Iterable[RuleDef]
) -> list[Finding]:
    """Findings for one profile, most severe first."""
    findings = []
    for rule in rules:
        check = CHECKS.get(rule.code)
        if check is None:
            continue
        hit = check(profile, template, limits)
        if hit is None:
            continue
        field_name, params = hit
        try:
            message = rule.message.format(**params)
        except (KeyError, IndexError, ValueError):
            message = rule.message
        findings.append(Finding(rule.code, rule.severity, message, field_name, params))
    findings.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    return findings


def parse_keywords(raw: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in re.split(r"[,，、;；\s]+", raw or "") if k.strip())


def level_error(level: int, parent_level: int | None) -> str | None:
    """Why a parent of `parent_level` cannot hold an account of `level`, or None if it can."""
    if level == 1:
        return _("一级账号不能有上级账号") if parent_level is not None else None
    if parent_level is None:
        return None
    if parent_level != level - 1:
        return _("%(level)s级账号的上级必须是%(level_1)s级账号") % {
            "level": level,
            "level_1": level - 1,
        }
    return None
