"""The leads cards of the 工作台: a consultant's day (phone first), a channel manager's reports
and protection, and the department's lead KPIs. Every count is its list's own filter."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.core.cockpit import Card, Figure, change, counted, link, month_so_far, today
from mediadesk.leads import access, queries
from mediadesk.leads.filters import (
    DisputeFilters,
    LeadFilters,
    PoolFilters,
    ReferralFilters,
    ReportFilters,
)
from mediadesk.orgs.roles import Perm


def sales(user: Any) -> Card:
    """待首联 / 首联超时 / 今日待回访 / 新线索 / 保护期将到期 of the consultant's own leads."""
    mine = access.visible_opportunities(user)
    me = {"consultant": user.pk}

    def figure(label: str, params: dict[str, Any], alarm: str = "") -> Figure:
        return counted(label, LeadFilters, mine, "leads:home", {**me, **params}, alarm=alarm)

    figures = [
        figure(_("待首次联系"), {"awaiting": "1"}, "warning"),
        figure(_("首联超时"), {"overdue": "1"}, "danger"),
        figure(_("今日待回访"), {"next_due": "1"}, "warning"),
        figure(_("新线索"), {"stage": "new"}),
        figure(_("保护期将到期"), {"protection_ending": "1"}, "warning"),
    ]
    actions = [(_("快速录入线索"), link("leads:capture"), "bi-plus-circle")]
    actions.append((_("我的客户"), link("leads:home", me), "bi-people"))
    return Card("sales", _("我的客资"), "bi-person-lines-fill", figures=figures, actions=actions,
                note=_("保护期：3 天内到期"))  # fmt: skip


def channel(user: Any) -> Card:
    """Today's reports, protection ending, disputes and referrals waiting."""
    reports = queries.visible_reports(user)
    day = today().isoformat()
    figures = [
        counted(_("今日报备"), ReportFilters, reports, "leads:reports", {"since": day, "until": day}),
        counted(_("保护期 3 天内到期"), ReportFilters, reports, "leads:reports", {"ending": "1"},
                alarm="warning"),
        counted(_("待裁决争议"), DisputeFilters, queries.visible_disputes(user), "leads:disputes",
                alarm="danger"),
        counted(_("待审核转介"), ReferralFilters, queries.visible_referrals(user), "leads:referrals",
                alarm="warning"),
    ]  # fmt: skip
    actions = [(_("报备客户"), link("leads:report_new"), "bi-send")]
    if scopes.has_perm(user, Perm.LEADS_VISIT):
        actions.append((_("登记到访"), link("leads:visit_new"), "bi-door-open"))
    return Card("channel", _("渠道报备与保护"), "bi-diagram-2", figures=figures, actions=actions)


def lead_kpis(user: Any) -> Card:
    """New leads this month with 环比, SLA breaches and open disputes of the department."""
    start, end, last_start, last_end = month_so_far()
    rows = access.visible_opportunities(user)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    last = {"from": last_start.isoformat(), "to": last_end.isoformat()}
    previous = LeadFilters.from_query(last).apply(rows).count()
    new = counted(_("本月新增线索"), LeadFilters, rows, "leads:home", period)
    new = Figure(new.label, new.value, new.url, note=change(int(new.value), previous))
    figures = [
        new,
        counted(_("公海待唤醒"), PoolFilters, access.visible_pool(user), "leads:pool"),
        counted(_("首联超时未联系"), LeadFilters, rows, "leads:home", {"overdue": "1"},
                alarm="danger"),
        counted(_("待裁决争议"), DisputeFilters, queries.visible_disputes(user), "leads:disputes",
                alarm="danger"),
    ]  # fmt: skip
    return Card("lead_kpis", _("客资 KPI"), "bi-graph-up-arrow", figures=figures,
                note=_("本月至今，环比上月同期"))  # fmt: skip


def capture(user: Any) -> Card:
    """Anchors and customer service: capture a lead in two taps."""
    return Card(
        "capture", _("录入线索"), "bi-telephone-plus",
        actions=[(_("快速录入线索"), link("leads:capture"), "bi-plus-circle")],
        note=_("直播间、评论区、电话里的留资，随手录入，系统自动分配顾问"),
    )  # fmt: skip
