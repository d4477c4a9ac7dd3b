"""Pure planning rules: per-platform limits of a variant, target figures, weeks, file kinds.

No database access: plain data in, plain data out. Findings use the compliance finding
shape (term/start/end/category/severity/suggestion/rule) plus a Chinese `message`, so the
review panel and the editor show limit problems and Advertising-Law hits in one list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The WeChat draft API: digest ≤128 (domain-cn §4.1). Titles over 20 CJK characters are
# reported to fail with 45003 by one publishing tool, so they get an `info` hint.
WECHAT_CODES = frozenset({"wechat_mp", "wechat_oa"})
DIGEST_MAX = 128
WECHAT_SAFE_TITLE = 20
# 抖音 short videos perform best at 30–60 s; a script is read at about 4 characters a second.
VIDEO_MIN_SECONDS = 30
VIDEO_MAX_SECONDS = 60
SPOKEN_CHARS_PER_SECOND = 4
# Platforms whose topics are written #话题 (no closing #); 微博 writes #话题#.
OPEN_HASHTAG = frozenset({"douyin", "xiaohongshu", "kuaishou", "wechat_channels", "bilibili"})
PAIRED_HASHTAG = frozenset({"weibo"})


@dataclass(frozen=True)
class Limits:
    """A platform's post limits (from matrix.Platform; None = no limit known)."""

    code: str
    name: str
    title_max: int | None = None
    body_max: int | None = None


@dataclass(frozen=True)
class VariantText:
    """What a variant says, as the rules see it."""

    title: str = ""
    body: str = ""
    digest: str = ""
    tags: str = ""
    duration_seconds: int | None = None
    is_video: bool = False


def finding(
    *,
    field: str,
    text: str,
    start: int,
    end: int,
    severity: str,
    rule: str,
    message: str,
    suggestion: str = "",
    category: str = "platform_limit",
) -> dict[str, Any]:
    """One finding in the compliance shape (offsets are Python string indices)."""
    return {
        "term": text[start:end], "start": start, "end": end, "category": category,
        "severity": severity, "suggestion": suggestion, "rule": rule, "message": message,
        "field": field,
    }  # fmt: skip


def _over(field: str, label: Any, text: str, limit: int | None, rule: str) -> list[dict[str, Any]]:
    if limit is None or len(text) <= limit:
        return []
    return [
        finding(
            field=field, text=text, start=limit, end=len(text), severity="block", rule=rule,
            message=_("%(label)s共 %(n)s 字，超过平台上限 %(limit)s 字")
            % {"label": label, "n": len(text), "limit": limit},
            suggestion=_("删减到 %(limit)s 字以内") % {"limit": limit},
        )
    ]  # fmt: skip


def _wechat(v: VariantText) -> list[dict[str, Any]]:
    out = _over("digest", _("摘要"), v.digest, DIGEST_MAX, "limit.digest")
    title = v.title.strip()
    if len(title) > WECHAT_SAFE_TITLE:
        out.append(
            finding(
                field="title", text=v.title, start=WECHAT_SAFE_TITLE, end=len(v.title),
                severity="info", rule="limit.wechat_safe_title",
                message=_("公众号标题超过 %(n)s 字，部分接口会报 45003，建议精简")
                % {"n": WECHAT_SAFE_TITLE},
            )
        )  # fmt: skip
    return out


HASHTAG = re.compile(r"#[^#\s]+#?")


def _hashtags(code: str, name: str, tags: str) -> list[dict[str, Any]]:
    """Topic form per platform: 微博 #话题#, 抖音/小红书 #话题 (without a closing #)."""
    out: list[dict[str, Any]] = []
    for token in re.finditer(r"\S+", tags):
        word, start = token.group(), token.start()
        if not word.startswith("#"):
            example = f"#{word}#" if code in PAIRED_HASHTAG else f"#{word}"
            message, suggestion = _("话题“%(word)s”缺少 #") % {"word": word}, example
        elif code in PAIRED_HASHTAG and not (len(word) > 2 and word.endswith("#")):
            message = _("%(platform)s话题应写成 #话题#") % {"platform": name}
            suggestion = f"{word.rstrip('#')}#"
        elif code in OPEN_HASHTAG and word.endswith("#"):
            message = _("%(platform)s话题应写成 #话题（结尾不加 #）") % {"platform": name}
            suggestion = word.rstrip("#")
        else:
            continue
        out.append(
            finding(
                field="tags", text=tags, start=start, end=token.end(), severity="warn",
                rule="limit.hashtag", message=message, suggestion=suggestion,
            )
        )  # fmt: skip
    return out


def _video(code: str, v: VariantText) -> list[dict[str, Any]]:
    if code != "douyin" or not v.is_video:
        return []
    seconds, field, how = v.duration_seconds, "duration", _("视频时长 %(n)s 秒")
    if seconds is None:
        if not v.body.strip():
            return []
        seconds, field, how = (
            round(len(v.body.strip()) / SPOKEN_CHARS_PER_SECOND),
            "body",
            _("脚本约 %(n)s 秒"),
        )
    if VIDEO_MIN_SECONDS <= seconds <= VIDEO_MAX_SECONDS:
        return []
    text = v.body if field == "body" else ""
    return [
        finding(
            field=field, text=text, start=0, end=len(text), severity="warn", rule="limit.video_length",
            message=_("%(length)s，抖音短视频建议 %(min)s–%(max)s 秒")
            % {"length": how % {"n": seconds}, "min": VIDEO_MIN_SECONDS, "max": VIDEO_MAX_SECONDS},
            suggestion=_("精简脚本") if seconds > VIDEO_MAX_SECONDS else _("补充内容"),
        )
    ]  # fmt: skip


def check_variant(limits: Limits, v: VariantText) -> list[dict[str, Any]]:
    """Every platform-limit finding of one variant."""
    out = _over("title", _("标题"), v.title, limits.title_max, "limit.title")
    out += _over("body", _("正文"), v.body, limits.body_max, "limit.body")
    if limits.code in WECHAT_CODES:
        out += _wechat(v)
    if v.tags.strip():
        out += _hashtags(limits.code, limits.name, v.tags)
    out += _video(limits.code, v)
    return out


# ---- target figures: "曝光50万/互动1万/转化200" -------------------------------------------

TARGET_LABELS = (("曝光", "exposure"), ("互动", "interactions"), ("转化", "conversions"))
TARGET_ALIASES = {"曝光": "exposure", "播放": "exposure", "阅读": "exposure",
                  "互动": "interactions", "转化": "conversions"}  # fmt: skip
UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "千": 1000, "k": 1000}
TARGET_PART = re.compile(
    r"^(?P<label>[^\d.]+?)\s*[:：]?\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[万亿千wWk]?)$"
)


class TargetError(ValueError):
    """The 目标数据 text cannot be read."""


Targets = dict[str, int | None]


def format_number(n: int) -> str:
    """50万, 1.5万, 200: 万 only when it reads exactly (multiples of 1,000 from 10,000)."""
    if n >= 100_000_000 and n % 10_000_000 == 0:
        return _trim(Decimal(n) / 100_000_000) + "亿"
    if n >= 10_000 and n % 1000 == 0:
        return _trim(Decimal(n) / 10_000) + "万"
    return str(n)


def _trim(value: Decimal) -> str:
    """ "1.50" -> "1.5", "50" stays "50"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_targets(exposure: int | None, interactions: int | None, conversions: int | None) -> str:
    """The template-1 text of the three target figures; absent ones are left out."""
    values = {"exposure": exposure, "interactions": interactions, "conversions": conversions}
    return "/".join(
        f"{label}{format_number(values[key])}"  # type: ignore[arg-type]
        for label, key in TARGET_LABELS
        if values[key] is not None
    )


TARGET_WORDS = {"exposure": gettext_lazy("曝光"), "interactions": gettext_lazy("互动"),
                "conversions": gettext_lazy("转化")}  # fmt: skip


def target_text(exposure: int | None, interactions: int | None, conversions: int | None) -> str:
    """The three target figures for a page: template 1's text in Chinese, else labelled
    figures with digit grouping ("Exposure 500,000 / Interactions 10,000")."""
    if (translation.get_language() or "zh").startswith("zh"):
        return format_targets(exposure, interactions, conversions)
    values = {"exposure": exposure, "interactions": interactions, "conversions": conversions}
    return " / ".join(
        f"{TARGET_WORDS[key]} {value:,}" for key, value in values.items() if value is not None
    )


def parse_number(text: str, unit: str) -> int:
    try:
        value = Decimal(text) * UNITS.get(unit, 1)
    except InvalidOperation:
        raise TargetError(_("“%(text)s”不是数字") % {"text": text}) from None
    if value != value.to_integral_value():
        raise TargetError(_("“%(text)s”不是整数") % {"text": f"{text}{unit}"})
    return int(value)


def parse_targets(text: str) -> Targets:
    """Read "曝光50万/互动1万/转化200" (any order, 播放 = 曝光, / or 、 or ; between parts)."""
    out: Targets = {"exposure": None, "interactions": None, "conversions": None}
    cleaned = (
        text.strip().replace("，", "/").replace("、", "/").replace("；", "/").replace(";", "/")
    )
    for part in filter(None, (p.strip() for p in cleaned.split("/"))):
        match = TARGET_PART.match(part.replace(",", ""))
        key = TARGET_ALIASES.get(match.group("label").strip()) if match else None
        if match is None or key is None:
            raise TargetError(
                _("无法识别“%(text)s”，格式如 曝光50万/互动1万/转化200") % {"text": part}
            )
        if out[key] is not None:
            raise TargetError(_("“%(label)s”重复") % {"label": match.group("label")})
        out[key] = parse_number(match.group("number"), match.group("unit"))
    return out


# ---- ISO weeks ---------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> dt.date | None:
    """The Monday of "2026-W48" (or of a YYYY-MM-DD date); None for anything else."""
    text = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-W\d{2}", text):
            return dt.date.fromisocalendar(int(text[:4]), int(text[6:]), 1)
        return week_start(dt.date.fromisoformat(text))
    except ValueError:
        return None


def monthly_dates(day: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """Each date from start to end (inclusive) that falls on day-of-month `day`."""
    out: list[dt.date] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            candidate = None  # e.g. the 31st of a short month
        if candidate is not None and start <= candidate <= end:
            out.append(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# ---- asset files: kind by content (magic bytes), not by name -----------------------------

EXTENSIONS: dict[str, frozenset[str]] = {
    "image": frozenset({"png", "jpg", "jpeg", "webp", "gif"}),
    "video": frozenset({"mp4", "mov", "m4v", "webm", "mkv", "avi", "flv"}),
    "document": frozenset({"pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt"}),
    "font": frozenset({"ttf", "otf", "woff", "woff2", "ttc"}),
    "music": frozenset({"mp3", "wav", "m4a", "aac", "flac", "ogg"}),
}
EXTENSION_HELP = {kind: "、".join(sorted(exts)) for kind, exts in EXTENSIONS.items()}


def _is_mp3(head: bytes) -> bool:
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


MAGIC: dict[str, Any] = {
    "mp4": lambda h: h[4:8] == b"ftyp", "mov": lambda h: h[4:8] in (b"ftyp", b"moov", b"wide", b"mdat"),
    "m4v": lambda h: h[4:8] == b"ftyp", "webm": lambda h: h[:4] == b"\x1a\x45\xdf\xa3",
    "mkv": lambda h: h[:4] == b"\x1a\x45\xdf\xa3", "avi": lambda h: h[:4] == b"RIFF" and h[8:11] == b"AVI",
    "flv": lambda h: h[:3] == b"FLV", "pdf": lambda h: h[:5] == b"%PDF-",
    "docx": lambda h: h[:4] == b"PK\x03\x04", "xlsx": lambda h: h[:4] == b"PK\x03\x04",
    "pptx": lambda h: h[:4] == b"PK\x03\x04", "doc": lambda h: h[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    "xls": lambda h: h[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ppt": lambda h: h[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    "ttf": lambda h: h[:4] in (b"\x00\x01\x00\x00", b"true"), "otf": lambda h: h[:4] == b"OTTO",
    "woff": lambda h: h[:4] == b"wOFF", "woff2": lambda h: h[:4] == b"wOF2", "ttc": lambda h: h[:4] == b"ttcf",
    "mp3": _is_mp3, "wav": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE",
    "m4a": lambda h: h[4:8] == b"ftyp", "aac": lambda h: len(h) > 1 and h[0] == 0xFF and h[1] & 0xF6 == 0xF0,
    "flac": lambda h: h[:4] == b"fLaC", "ogg": lambda h: h[:4] == b"OggS",
}  # fmt: skip


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def file_problem(kind: str, name: str, head: bytes) -> str | None:
    """Why a non-image file of `kind` is refused (extension, then content), or None."""
    ext = extension(name)
    if ext not in EXTENSIONS.get(kind, frozenset()):
        return _("文件类型不符：%(kind)s只支持 %(extensions)s") % {
            "kind": dict(KIND_LABELS)[kind], "extensions": EXTENSION_HELP[kind]}  # fmt: skip
    if not MAGIC[ext](head):
        return _("文件内容与扩展名 .%(ext)s 不符，可能已损坏或被改名") % {"ext": ext}
    return None


KIND_LABELS = (("image", gettext_lazy("图片")), ("video", gettext_lazy("视频")),
               ("document", gettext_lazy("文档")), ("font", gettext_lazy("字体")),
               ("music", gettext_lazy("音乐")))  # fmt: skip
