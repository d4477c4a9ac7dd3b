"""Excel/CSV imports: comment exports with a preset per platform, monitoring-vendor mention
exports with a column mapping, and the standard-reply library. Parse → validate every row →
preview → confirm in one transaction (nothing is written while any row is bad)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core.excel import Table
from mediadesk.engagement.models import Kind
from mediadesk.engagement.opinion import MentionIn
from mediadesk.engagement.services import Incoming

# preset -> (label, platform or "" = from a column, kind or "", {field: accepted headers})
PRESETS: dict[str, tuple[Any, str, str, dict[str, tuple[str, ...]]]] = {
    "generic": (gettext_lazy("通用模板"), "", "", {
        "platform": ("平台",), "kind": ("类型",), "external_id": ("平台消息ID", "消息ID"),
        "text": ("内容",), "received_at": ("时间",), "author_name": ("昵称",),
        "post_url": ("帖子链接",), "account": ("账号ID",),
    }),
    "douyin_live": (gettext_lazy("抖音直播 评论/高意向 导出"), "douyin", "live_comment", {
        "external_id": ("评论ID", "用户ID"), "text": ("评论内容", "内容"),
        "received_at": ("评论时间", "时间"), "author_name": ("用户昵称", "昵称"),
    }),
    "douyin": (gettext_lazy("抖音 评论导出"), "douyin", "comment", {
        "external_id": ("评论ID",), "text": ("评论内容",), "received_at": ("评论时间",),
        "author_name": ("用户昵称",), "post_url": ("视频链接",),
    }),
    "weibo": (gettext_lazy("微博 评论导出"), "weibo", "comment", {
        "external_id": ("评论ID",), "text": ("评论内容",), "received_at": ("评论时间",),
        "author_name": ("评论用户",), "post_url": ("微博链接",),
    }),
    "wechat_mp": (gettext_lazy("公众号 留言导出"), "wechat_mp", "comment", {
        "external_id": ("留言ID",), "text": ("留言内容",), "received_at": ("留言时间",),
        "author_name": ("用户昵称",), "post_url": ("文章链接",),
    }),
    "xiaohongshu": (gettext_lazy("小红书 评论/私信导出"), "xiaohongshu", "comment", {
        "external_id": ("评论ID", "消息ID"), "text": ("内容",), "received_at": ("时间",),
        "author_name": ("用户昵称", "昵称"), "post_url": ("笔记链接",),
    }),
}  # fmt: skip

MENTION_FIELDS = {
    "source": gettext_lazy("来源"), "url": gettext_lazy("链接"), "author": gettext_lazy("作者"),
    "author_followers": gettext_lazy("粉丝数"), "published_at": gettext_lazy("发布时间"),
    "text": gettext_lazy("内容"),
}  # fmt: skip
MENTION_GUESS = {
    "source": ("来源", "媒体", "站点", "平台"), "url": ("链接", "URL", "原文链接", "网址"),
    "author": ("作者", "发布者", "博主"), "author_followers": ("粉丝数", "作者粉丝数", "粉丝"),
    "published_at": ("发布时间", "时间"), "text": ("内容", "正文", "摘要", "标题"),
}  # fmt: skip


@dataclass
class Preview:
    """Parsed rows, and the errors by spreadsheet row number."""

    items: list[Any] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


def _cell(row: dict[str, str], headers: tuple[str, ...]) -> str:
    return next((row[h].strip() for h in headers if row.get(h, "").strip()), "")


def parse_time(text: str) -> dt.datetime | None:
    value = parse_datetime(text.replace("/", "-").strip())
    if value is None:
        try:
            value = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def read_messages(table: Table, preset: str) -> Preview:
    """Comment-export rows as incoming messages (a bad row is named with its reason)."""
    _label, platform, kind, columns = PRESETS[preset]
    out = Preview()
    for n, row in enumerate(table.rows, start=table.first_row):
        text, at = _cell(row, columns["text"]), parse_time(_cell(row, columns["received_at"]))
        problems = []
        if not text:
            problems.append(_("内容为空"))
        if at is None:
            problems.append(_("时间无法识别"))
        item_kind = kind or _cell(row, columns.get("kind", ())) or Kind.COMMENT
        if item_kind not in Kind.values:
            problems.append(_("类型无效"))
        account = _cell(row, columns.get("account", ()))
        if account and not account.isdigit():
            problems.append(_("账号ID 应为数字"))
        if problems:
            out.errors.append((n, "；".join(problems)))
            continue
        assert at is not None
        external = (
            _cell(row, columns["external_id"])
            or "import:"
            + hashlib.sha256(f"{preset}|{text}|{at.isoformat()}".encode()).hexdigest()[:32]
        )
        out.items.append(Incoming(
            platform=platform or _cell(row, columns.get("platform", ())), kind=item_kind,
            external_id=external, text=text, received_at=at, post_url=_cell(row, columns.get("post_url", ())),
            author_name=_cell(row, columns.get("author_name", ())), account_id=int(account) if account else None,
        ))  # fmt: skip
    return out


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A first mapping of mention fields to the file's columns, for the mapping screen."""
    return {f: next((h for h in headers if h in names), "") for f, names in MENTION_GUESS.items()}


def _mapped(row: dict[str, str], mapping: dict[str, str], field_name: str) -> str:
    return row.get(mapping.get(field_name) or "", "").strip()


def read_mentions(table: Table, mapping: dict[str, str]) -> Preview:
    """Vendor-export rows as mentions through the user's column mapping."""
    out = Preview()
    for key in ("text", "published_at"):
        if not mapping.get(key):
            out.errors.append((0, _("请为「%(f)s」选择列") % {"f": MENTION_FIELDS[key]}))
    if out.errors:
        return out
    for n, row in enumerate(table.rows, start=table.first_row):
        get = partial(_mapped, row, mapping)
        at, followers = parse_time(get("published_at")), get("author_followers").replace(",", "")
        problems = []
        if not get("text"):
            problems.append(_("内容为空"))
        if at is None:
            problems.append(_("发布时间无法识别"))
        if followers and not followers.isdigit():
            problems.append(_("粉丝数应为整数"))
        url = get("url")
        if url and not url.startswith(("http://", "https://")):
            problems.append(_("链接无效"))
        if problems:
            out.errors.append((n, "；".join(problems)))
            continue
        assert at is not None
        out.items.append(MentionIn(
            source=get("source") or _("导入"), text=get("text"), published_at=at, url=url,
            author=get("author"), author_followers=int(followers) if followers else None,
        ))  # fmt: skip
    return out


LIBRARY_HEADERS = ["分类", "标题", "话术", "关键词", "适用平台", "合规说明", "状态", "使用次数", "最近使用"]  # fmt: skip


def read_library(table: Table) -> Preview:
    """Library rows (the export's columns) as values for library.save."""
    out = Preview()
    for n, row in enumerate(table.rows, start=table.first_row):
        values = {
            "category": row.get("分类", ""), "title": row.get("标题", ""), "text": row.get("话术", ""),
            "keywords": row.get("关键词", ""), "platforms": row.get("适用平台", ""),
            "compliance_note": row.get("合规说明", ""),
        }  # fmt: skip
        missing = [h for h, k in (("分类", "category"), ("标题", "title"), ("话术", "text")) if not str(values[k]).strip()]  # fmt: skip
        if missing:
            out.errors.append((n, _("缺少：%(c)s") % {"c": "、".join(missing)}))
            continue
        out.items.append(values)
    return out
