"""Excel out: template 1 内容发布计划表 and the item list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import queries, rules
from mediadesk.content.models import ContentItem, Form, Status, Variant

# Template 1 — exactly these columns, in this order (02-content-review.md).
PLAN_HEADERS = (
    "序号", "发布日期", "发布平台", "内容主题", "内容形式", "目标数据(曝光/互动/转化)", "负责人",
    "审核人", "状态(待发布/已发布/已撤回)", "备注",
)  # fmt: skip
STATUS_WORDS = {Status.PUBLISHED: "已发布", Status.WITHDRAWN: "已撤回"}
PENDING = "待发布"
EXPORT_LIMIT = 50_000


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def person(user: Any) -> str:
    """How template 1 names a person: the display name, else the username."""
    return (user.display_name or user.username) if user is not None else ""


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, PENDING)  # type: ignore[call-overload]


def variant_day(variant: Variant) -> dt.date | None:
    """The plan date of a variant: when it was published, else when it is planned."""
    when = variant.published_at if variant.status == Status.PUBLISHED else variant.planned_at
    when = when or variant.planned_at or variant.published_at
    return timezone.localtime(when).date() if when else None


def plan_variants(user: Any, start: dt.date, end: dt.date) -> QuerySet[Variant]:
    """Visible variants planned or published within [start, end], in date order."""
    lo, hi = queries.day_range(start, end)
    return (
        queries.visible_variants(user)
        .exclude(status=Status.REJECTED)
        .filter(
            Q(planned_at__gte=lo, planned_at__lt=hi) | Q(published_at__gte=lo, published_at__lt=hi)
        )
        .select_related("item__owner")
        .order_by("planned_at", "published_at", "pk")[:EXPORT_LIMIT]
    )


def plan_rows(variants: Iterable[Variant]) -> Iterator[list[Any]]:
    """Template-1 rows; 审核人 = who approved the item's latest review run."""
    variants = list(variants)
    reviewers = queries.approvers({v.item_id for v in variants})
    for number, v in enumerate(variants, start=1):
        item = v.item
        day = variant_day(v)
        yield [
            number, day.isoformat() if day else "", v.platform.name, item.title,
            form_word(item.form),
            rules.format_targets(item.target_exposure, item.target_interactions, item.target_conversions),
            person(item.owner), "、".join(reviewers.get(item.pk, [])), status_word(v.status), item.notes,
        ]  # fmt: skip


def form_word(code: str) -> str:
    """A content form as template 1 writes it: the Chinese word, whatever the user's language."""
    with translation.override(None):
        return str(Form(code).label) if code in Form.values else code


ITEM_HEADERS = (
    gettext_lazy("标题"), gettext_lazy("主题分类"), gettext_lazy("专辑"), gettext_lazy("内容形式"),
    gettext_lazy("状态"), gettext_lazy("负责人"), gettext_lazy("城市公司"), gettext_lazy("项目"),
    gettext_lazy("发布平台"), gettext_lazy("最早计划发布"),
    gettext_lazy("目标数据(曝光/互动/转化)"), gettext_lazy("SEO关键词"), gettext_lazy("备选"),
    gettext_lazy("创建时间"),
)  # fmt: skip


def item_headers() -> list[str]:
    """The item list export's column names in the user's language."""
    return [str(h) for h in ITEM_HEADERS]


def item_rows(items: Iterable[ContentItem]) -> Iterator[list[Any]]:
    for item in items:
        variants = list(item.variants.all())
        planned = [v.planned_at for v in variants if v.planned_at]
        yield [
            item.title, str(item.category or ""), str(item.series or ""), item.get_form_display(),
            item.get_status_display(), person(item.owner), str(item.company or _("集团")),
            str(item.project or ""), "、".join(v.platform.name for v in variants),
            min(planned) if planned else "",
            rules.target_text(item.target_exposure, item.target_interactions, item.target_conversions),
            item.seo_keywords, _("是") if item.is_reserve else "", item.created_at,
        ]  # fmt: skip
