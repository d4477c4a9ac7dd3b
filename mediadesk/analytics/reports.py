"""效果评估报告 of a campaign/series or a period: targets vs actual, achievement rates, status
counts, highlights and problems, attribution and suggestions — assembled from the template-3
rows (so the report and the table always agree)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext

from mediadesk.analytics import queries, rules
from mediadesk.analytics.models import attribution_label

REPORT_LIMIT = 5_000
LIST_LIMIT = 8


@dataclass(frozen=True)
class Goal:
    label: str
    target: int
    actual: int
    rate: rules.Ratio


@dataclass
class Report:
    title: str
    filters: queries.Filters
    rows: list[queries.Row]
    goals: list[Goal]
    status_counts: dict[str, int]
    attributions: list[tuple[str, int]]
    highlights: list[str]
    problems: list[str]
    suggestions: list[str]
    totals: dict[str, Any]

    @property
    def period_text(self) -> str:
        return gettext("%(start)s 至 %(end)s") % {
            "start": f"{self.filters.start:%Y-%m-%d}",
            "end": f"{self.filters.end:%Y-%m-%d}",
        }


def build(user: Any, f: queries.Filters, title: str) -> Report:
    """The report of the posts the filters select."""
    qs = queries.posts(user, f)
    rows = queries.monitoring_rows(f, queries.ordered(qs)[:REPORT_LIMIT])
    return Report(
        title=title,
        filters=f,
        rows=rows,
        goals=_goals(qs),
        status_counts=dict(Counter(str(r.status.label) for r in rows)),
        attributions=Counter(attribution_label(t) for r in rows for t in r.tags).most_common(),
        highlights=_lines(rows, "highlight"),
        problems=_lines(rows, "problem"),
        suggestions=list(
            dict.fromkeys(s for r in rows for s in r.suggestion.split(gettext("；")) if s)
        )[:LIST_LIMIT],
        totals=_totals(rows),
    )


def _goals(qs: Any) -> list[Goal]:
    """Targets vs actual over the posts that set each target (sums of both)."""
    out = []
    for label, actual, target in (
        (gettext("曝光/播放"), "eval_exposure", "variant__item__target_exposure"),
        (gettext("互动"), "eval_interactions", "variant__item__target_interactions"),
        (gettext("转化"), "eval_conversions", "variant__item__target_conversions"),
    ):
        s = qs.filter(**{f"{target}__gt": 0}).aggregate(a=Sum(actual), t=Sum(target))
        if s["t"]:
            out.append(Goal(label, s["t"], s["a"] or 0, rules.achievement(s["a"] or 0, s["t"])))
    return out


def _lines(rows: list[queries.Row], kind: str) -> list[str]:
    out = []
    for r in rows:
        texts = [h.text for h in r.hints.items if h.kind == kind]
        if texts:
            out.append(
                gettext("%(date)s %(platform)s《%(topic)s》：%(text)s")
                % {
                    "date": f"{r.published_date:%m-%d}",
                    "platform": r.platform,
                    "topic": r.topic,
                    "text": texts[0],
                }
            )
    return out[:LIST_LIMIT]


def _totals(rows: list[queries.Row]) -> dict[str, Any]:
    exposure = sum(r.exposure or 0 for r in rows)
    interactions = sum(r.interactions or 0 for r in rows)
    return {
        "posts": len(rows),
        "exposure": exposure,
        "interactions": interactions,
        "conversions": sum(r.conversions or 0 for r in rows),
        "rate": rules.Ratio(interactions, exposure),
    }


def chart_data(report: Report) -> dict[str, Any]:
    """Per-platform bars and the status pie of the report."""
    by_platform: dict[str, list[int]] = {}
    for r in report.rows:
        sums = by_platform.setdefault(r.platform, [0, 0, 0])
        sums[0] += r.exposure or 0
        sums[1] += r.interactions or 0
        sums[2] += r.conversions or 0
    return {
        "platforms": [
            {"name": k, "exposure": v[0], "interactions": v[1], "conversions": v[2]}
            for k, v in by_platform.items()
        ],
        "status": [{"name": k, "value": v} for k, v in report.status_counts.items()],
    }
