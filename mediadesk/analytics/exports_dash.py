"""Excel exports of template 3 and the 效果评估报告."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext

from mediadesk.analytics import queries, reports
from mediadesk.core import excel

EXPORT_LIMIT = 20_000


def monitoring_xlsx(user: Any, f: queries.Filters) -> HttpResponse:
    """数据监测与分析表 with exactly template 3's headers."""
    metrics = queries.ordered(queries.posts(user, f))[:EXPORT_LIMIT]
    rows = queries.monitoring_rows(f, metrics)
    name = gettext("数据监测与分析表_%(start)s-%(end)s.xlsx") % {
        "start": f"{f.start:%Y%m%d}",
        "end": f"{f.end:%Y%m%d}",
    }
    return excel.xlsx_response(name, queries.MONITORING_HEADERS, (r.as_cells() for r in rows))


def report_xlsx(report: reports.Report) -> HttpResponse:
    """效果评估报告: the summary block, then the per-post table."""
    lines: list[list[Any]] = [
        [gettext("效果评估报告"), report.title],
        [gettext("周期"), report.period_text],
        [],
    ]
    lines.append([gettext("指标"), gettext("目标"), gettext("实际"), gettext("达成率")])
    for goal in report.goals:
        lines.append([goal.label, goal.target, goal.actual, goal.rate.percent()])
    lines += [
        [],
        [gettext("达标情况"), gettext("篇数")],
        *([k, v] for k, v in report.status_counts.items()),
    ]
    lines += [[], [gettext("归因"), gettext("篇数")], *([k, v] for k, v in report.attributions)]
    lines += [
        [],
        [gettext("亮点")],
        *([t] for t in report.highlights),
        [],
        [gettext("问题")],
        *([t] for t in report.problems),
        [],
        [gettext("优化建议")],
        *([t] for t in report.suggestions),
    ]
    lines += [[], list(queries.MONITORING_HEADERS), *(r.as_cells() for r in report.rows)]
    name = f"效果评估报告_{report.title}_{report.filters.start:%Y%m%d}-{report.filters.end:%Y%m%d}.xlsx"
    return excel.xlsx_response(name, [gettext("项目"), gettext("内容"), "", ""], lines)
