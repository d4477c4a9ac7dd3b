"""The content cards of the 工作台: a planner's today and week against the series quotas, an
operator's publishing queue, and the department's content KPIs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from mediadesk.content import queries
from mediadesk.content.filters import AssetFilters, ItemFilters
from mediadesk.content.models import Status
from mediadesk.core.cockpit import (
    Card,
    Figure,
    Line,
    change,
    counted,
    link,
    month_so_far,
    this_week,
    today,
)


def _days(start: dt.date, end: dt.date) -> dict[str, str]:
    return {"date_from": start.isoformat(), "date_to": end.isoformat()}


def _items(label: str, user: Any, params: dict[str, Any], alarm: str = "") -> Figure:
    return counted(label, ItemFilters, queries.visible_items(user), "content:items", params,
                   alarm=alarm)  # fmt: skip


def planner(user: Any) -> Card:
    """Today's and this week's items, the week against each series' quota, review states."""
    monday, sunday = this_week()
    figures = [
        _items(_("今日计划内容"), user, _days(today(), today())),
        _items(_("本周计划内容"), user, _days(monday, sunday)),
        _items(_("审核中"), user, {"status": Status.IN_REVIEW}),
        _items(_("需修改"), user, {"status": Status.CHANGES}, "danger"),
    ]
    lines = []
    for row in queries.plan(user, monday, weeks=1):
        cell = row.weeks[0]
        if not cell.quota:
            continue
        lines.append(Line(
            _("%(series)s · 本周配额") % {"series": row.series.name},
            _("%(planned)s / %(quota)s 篇") % {"planned": cell.planned, "quota": cell.quota},
            link("content:home"), progress=min(100, round(100 * cell.planned / cell.quota)),
            tone="warning" if cell.planned < cell.quota else "success",
        ))  # fmt: skip
    actions = [(_("新建内容"), link("content:item_create"), "bi-plus-lg"),
               (_("内容日历"), link("content:calendar"), "bi-calendar3")]  # fmt: skip
    return Card("planner", _("今日与本周内容"), "bi-journal-richtext", figures=figures,
                lines=lines, actions=actions, note=_("配额按专辑每周篇数"))  # fmt: skip


def operator(user: Any) -> Card:
    """What is due to publish today, approved items past their time, and everything approved."""
    yesterday = today() - dt.timedelta(days=1)
    approved = {"status": Status.APPROVED}
    figures = [
        _items(_("今日待发布"), user, {**approved, **_days(today(), today())}, "warning"),
        _items(_("已过计划时间未发布"), user,
               {**approved, **_days(dt.date(2000, 1, 1), yesterday)}, "danger"),
        _items(_("已通过待发布"), user, approved),
        _items(_("已排期"), user, {"status": Status.SCHEDULED}),
    ]  # fmt: skip
    actions = [(_("内容日历"), link("content:calendar"), "bi-calendar3")]
    return Card("operator", _("发布队列"), "bi-send-check", figures=figures, actions=actions)


def content_kpis(user: Any) -> Card:
    """Published this month with 环比, in review, and assets whose licence is running out."""
    start, end, last_start, last_end = month_so_far()
    published = {"status": Status.PUBLISHED}
    previous = ItemFilters.from_query({**published, **_days(last_start, last_end)})
    before = previous.apply(queries.visible_items(user)).count()
    now = _items(_("本月已发布内容"), user, {**published, **_days(start, end)})
    assets = queries.visible_assets(user)
    figures = [
        Figure(now.label, now.value, now.url, note=change(int(now.value), before)),
        _items(_("审核中"), user, {"status": Status.IN_REVIEW}),
        counted(_("素材授权 30 天内到期"), AssetFilters, assets, "content:assets",
                {"licence": "expiring"}, alarm="warning"),
        counted(_("素材授权已过期"), AssetFilters, assets, "content:assets", {"licence": "expired"},
                alarm="danger"),
    ]  # fmt: skip
    return Card("content_kpis", _("内容 KPI"), "bi-bar-chart-line", figures=figures,
                note=_("本月至今，环比上月同期"))  # fmt: skip
