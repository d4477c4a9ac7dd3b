"""部门月报 generated from the data: every section reads what the capabilities recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from mediadesk.analytics.models import PostMetrics
from mediadesk.planning.metrics import content, engagement, leads, live, review
from mediadesk.planning.models import Goal, Scorecard
from mediadesk.planning.scorecards import month_range


def _or_dash(value: Any) -> Any:
    return "—" if value is None else value


def _live(org_id: int, start: dt.date, end: dt.date) -> list[tuple[Any, Any]]:
    """Sessions held, 观看人数/人次, 场均观看, 留资 and 线上成交 of the month."""
    scope: dict[str, Any] = {}
    return [
        (_("直播场次"), live.held(org_id, scope, start, end)),
        (_("观看人数"), _or_dash(live.sum_of("viewers")(org_id, scope, start, end))),
        (_("观看人次"), _or_dash(live.sum_of("views")(org_id, scope, start, end))),
        (_("场均观看"), _or_dash(live.average_viewers(org_id, scope, start, end))),
        (_("直播留资"), live.leads(org_id, scope, start, end)),
        (_("线上成交套数"), live.deal_units(org_id, scope, start, end)),
    ]


def _incidents(org_id: int, start: dt.date, end: dt.date) -> list[tuple[Any, Any]]:
    """Opinion incidents opened in the month, with their grade and state."""
    from mediadesk.engagement.models import Incident

    low, high = leads._day_range(start, end)
    qs = Incident.objects.filter(organisation_id=org_id, detected_at__gte=low, detected_at__lt=high)
    rows: list[tuple[Any, Any]] = [(_("事件数"), qs.count())]
    for incident in qs.select_related("grade").order_by("-detected_at")[:10]:
        rows.append((incident.title, f"{incident.grade} · {incident.get_state_display()}"))
    return rows


def _goals(org_id: int, start: dt.date, end: dt.date) -> list[tuple[str, Any]]:
    qs = Goal.objects.filter(organisation_id=org_id, start__lte=end, end__gte=start)
    return [
        (g.name, f"{g.get_status_display()} · {round(float(g.rate or 0) * 100)}%") for g in qs[:50]
    ]


def _posts(org_id: int, start: dt.date, end: dt.date) -> tuple[list[Any], list[Any]]:
    qs = PostMetrics.objects.filter(organisation_id=org_id, published_on__range=(start, end))
    qs = qs.select_related("variant__item", "account")
    top = [
        (f"{m.account.name} · {m.variant.item.title}", m.exposure or 0)
        for m in qs.order_by("-exposure")[:5]
    ]
    bottom = [
        (f"{m.account.name} · {m.variant.item.title}", m.exposure or 0)
        for m in qs.order_by("exposure")[:5]
    ]
    return top, bottom


def department_report(org_id: int, month: dt.date) -> list[dict[str, Any]]:
    """The sections of the monthly report: each a title and (label, value) rows."""
    start, end = month_range(month)
    scope: dict[str, Any] = {}
    top, bottom = _posts(org_id, start, end)
    totals = PostMetrics.objects.filter(
        organisation_id=org_id, published_on__range=(start, end)
    ).aggregate(e=Sum("exposure"), i=Sum("interactions"))
    cards = Scorecard.objects.filter(organisation_id=org_id, month=start).select_related("person")
    median = review.median_hours_by_step(org_id, scope, start, end)
    return [
        {"title": _("目标进度"), "rows": _goals(org_id, start, end)},
        {"title": _("内容产出"), "rows": [
            (_("发布量"), content.posts_published(org_id, scope, start, end)),
            (_("按时发布率(%)"), content.on_time_rate(org_id, scope, start, end) or "—"),
            (_("曝光量"), totals["e"] or 0), (_("互动量"), totals["i"] or 0)]},
        {"title": _("表现最好的发布"), "rows": top},
        {"title": _("表现最弱的发布"), "rows": bottom},
        {"title": _("审核用时中位数(小时)"), "rows": sorted(median.items())},
        {"title": _("直播场次与 KPI"), "rows": _live(org_id, start, end)},
        {"title": _("线索 → 到访 → 成交"), "rows": [
            (_("线索"), leads.touches(org_id, scope, start, end).count()),
            (_("到访"), leads.visits(org_id, scope, start, end).count()),
            (_("成交套数"), leads.deal_units(org_id, scope, start, end)),
            (_("成交金额(元)"), leads.deal_amount(org_id, scope, start, end))]},
        {"title": _("首响 SLA"), "rows": [
            (_("首响达标率(%)"), _or_dash(engagement.sla_rate(org_id, scope, start, end))),
            (_("消息处理量"), engagement.handled(org_id, scope, start, end)),
            (_("回复量"), engagement.replies(org_id, scope, start, end))]},
        {"title": _("舆情事件"), "rows": _incidents(org_id, start, end)},
        {"title": _("绩效汇总"), "rows": [(str(c.person), c.total) for c in cards.order_by("-total")[:20]]},
    ]  # fmt: skip


def markdown(sections: list[dict[str, Any]], month: dt.date, link: str, comment: str = "") -> str:
    """The robot's markdown summary with a link to the full report."""
    lines = ["## " + _("部门月报 %(m)s") % {"m": f"{month:%Y-%m}"}]
    if comment:
        lines.append(f"> {comment}")
    for sec in sections[:3] + sections[6:7]:
        lines.append(f"**{sec['title']}**")
        lines += [f"- {label}：{value}" for label, value in sec["rows"][:5]]
    lines.append("[" + str(_("查看完整月报")) + f"]({link})")
    return "\n".join(lines)
