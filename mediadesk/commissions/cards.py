"""The commissions card of the 工作台: last month's statements waiting for approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from mediadesk.commissions import queries, rules
from mediadesk.commissions.filters import StatementFilters
from mediadesk.commissions.models import Statement
from mediadesk.core.cockpit import Card, counted, link, today


def approvals(user: Any) -> Card:
    """Draft statements of last month (approve them once the month is closed)."""
    last = rules.month_start(rules.month_start(today()) - dt.timedelta(days=1))
    month = {"month": f"{last:%Y-%m}"}
    rows = queries.visible_statements(user)
    figures = [
        counted(_("上月待审批结算单"), StatementFilters, rows, "commissions:statements",
                {**month, "status": Statement.Status.DRAFT}, alarm="warning"),
        counted(_("上月已审批"), StatementFilters, rows, "commissions:statements",
                {**month, "status": Statement.Status.APPROVED}),
    ]  # fmt: skip
    actions = [(_("佣金方案"), link("commissions:schemes"), "bi-sliders")]
    return Card("commissions", _("佣金结算"), "bi-wallet2", figures=figures, actions=actions,
                note=_("%(month)s 月") % {"month": f"{last:%Y-%m}"})  # fmt: skip
