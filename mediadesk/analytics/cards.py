"""The analytics card of the 工作台: yesterday's figures against the day before (环比), and
yesterday's posts in 数据监测与分析表."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from mediadesk.analytics import queries
from mediadesk.core.cockpit import Card, Figure, change, link, today

SHOWN = ("曝光量", "互动量", "互动率", "净增粉")


def yesterday(user: Any) -> Card:
    """发布数 (the rows of template 3 for yesterday) and the KPIs with 环比 against the day before."""
    day = today() - dt.timedelta(days=1)
    period = {"start": day.isoformat(), "end": day.isoformat()}
    f = queries.Filters(day, day)
    posts = queries.posts(user, f).count()
    figures = [Figure(_("昨日发布"), posts, link("analytics:monitoring", period))]
    for kpi in queries.kpis(user, f):
        if kpi.label in SHOWN:
            note = change(kpi.value, kpi.previous) if kpi.ratio is None else _(
                "前日 %(value)s") % {"value": kpi.previous_display}  # fmt: skip
            figures.append(Figure(_(kpi.label), kpi.display, link("analytics:home", period),
                                  counted=False, note=note))  # fmt: skip
    actions = [(_("数据总览"), link("analytics:home"), "bi-graph-up"),
               (_("导入数据"), link("analytics:import"), "bi-upload")]  # fmt: skip
    return Card("analytics", _("昨日数据"), "bi-graph-up", figures=figures, actions=actions,
                note=_("%(day)s，环比前一日") % {"day": day.strftime("%m-%d")})  # fmt: skip
