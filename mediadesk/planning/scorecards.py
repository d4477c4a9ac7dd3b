"""KPI scorecards: role templates with the spec's defaults, scoring rules, monthly cards."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.core import audit
from mediadesk.orgs.roles import Role
from mediadesk.planning import metrics
from mediadesk.planning.errors import invalid
from mediadesk.planning.models import Scorecard, ScorecardAdjustment

CAP = Decimal("1.2")  # a line scores at most 120% of its weight


@dataclass(frozen=True)
class Indicator:
    """One line of a template: a catalogue metric (scoped to the person) or a manual score."""

    code: str
    label: str
    weight: int
    metric: str | None = None
    target: Decimal = Decimal(0)


def _m(code: str, label: str, weight: int, metric: str, target: int | str) -> Indicator:
    return Indicator(code, label, weight, metric, Decimal(str(target)))


TEMPLATES: dict[str, list[Indicator]] = {
    Role.PLANNER: [_m("output", "内容产出(对计划)", 30, "posts_published", 20),
                   _m("on_time", "按时发布率", 20, "on_time_rate", 95),
                   _m("rate", "互动率", 30, "interaction_rate", 5),
                   _m("hits", "爆款数", 20, "hits", 2)],
    Role.OPERATOR: [_m("on_time", "按时发布率", 40, "on_time_rate", 95),
                    Indicator("checks", "发布后 1 小时检查完成", 30),
                    Indicator("standards", "账号规范", 30)],
    Role.ANCHOR: [_m("sessions", "直播场次(每周 3 场)", 40, "live_sessions", 12),
                  _m("viewers", "场均观看", 20, "live_viewers", 1000),
                  _m("leads", "直播留资", 20, "live_leads", 50),
                  _m("deals", "线上成交套数", 20, "deals", 2)],
    Role.SERVICE: [Indicator("sla", "首响达标率", 50), Indicator("volume", "回复量", 25),
                   Indicator("negative", "负面案例闭环", 25)],
    Role.SALES: [Indicator("sla", "首次联系达标率", 30), _m("visits", "到访", 30, "visits", 20),
                 _m("deals", "成交套数", 40, "deals", 2)],
    Role.MANAGER: [Indicator("goals", "部门目标达成", 100)],
}  # fmt: skip


def score(actual: Decimal | None, target: Decimal, weight: int, cap: Decimal = CAP) -> Decimal:
    """Linear to target, capped (e.g. 120%): weight × min(actual / target, cap)."""
    if actual is None or target <= 0:
        return Decimal(0)
    ratio = min(max(actual / target, Decimal(0)), cap)
    return (ratio * weight).quantize(Decimal("0.01"))


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    return month, month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _line(ind: Indicator, person: Any, month: dt.date, manual: dict[str, Any]) -> dict[str, Any]:
    if ind.metric is None:
        value = manual.get(ind.code)
        return {"code": ind.code, "label": ind.label, "weight": ind.weight, "manual": True,
                "actual": value, "target": None, "score": value, "source": "手工评分"}  # fmt: skip
    metric = metrics.get(ind.metric)
    start, end = month_range(month)
    scope = {"person": [person.pk]} if metric and "person" in metric.scopes else {}
    actual = (
        metric.actual(person.organisation_id, scope, start, end)
        if metric and metric.actual
        else None
    )
    return {"code": ind.code, "label": ind.label, "weight": ind.weight, "manual": False,
            "metric": ind.metric, "actual": None if actual is None else float(actual),
            "target": float(ind.target), "score": float(score(actual, ind.target, ind.weight)),
            "source": str(metric.source) if metric else ""}  # fmt: skip


def compute(person: Any, role: str, month: dt.date) -> Scorecard:
    """Create or refresh a person's unsigned scorecard for the month (signed ones stay)."""
    card = Scorecard.objects.filter(person=person, month=month).first()
    if card and card.signed_at:
        return card
    manual = {ln["code"]: ln["score"] for ln in (card.lines if card else []) if ln.get("manual")}
    lines = [_line(i, person, month, manual) for i in TEMPLATES.get(role, [])]
    total = sum((Decimal(str(ln["score"] or 0)) for ln in lines), Decimal(0))
    card, _ = Scorecard.objects.update_or_create(
        person=person, month=month,
        defaults={"organisation_id": person.organisation_id, "role": role, "lines": lines, "total": total},
    )  # fmt: skip
    return card


@transaction.atomic
def set_manual_score(
    user: Any, card: Scorecard, code: str, value: Decimal, reason: str = ""
) -> Scorecard:
    """A manual score; after sign-off it becomes an adjustment and the card stays as signed."""
    line = next((ln for ln in card.lines if ln["code"] == code), None)
    if line is None or not line.get("manual"):
        raise invalid([{"field": "indicator", "message": "该指标由数据计算，不能手工评分"}])
    if not Decimal(0) <= value <= Decimal(line["weight"]) * CAP:
        raise invalid([{"field": "score", "message": f"得分应在 0 到 {line['weight'] * CAP} 之间"}])
    if card.signed_at:
        adj = ScorecardAdjustment.objects.create(scorecard=card, indicator=code, score=value,
                                                 reason=reason or "签核后调整", by=user)  # fmt: skip
        audit.record(actor=user, action="scorecard.adjust", target=card,
                     changes={code: [line["score"], str(value)], "adjustment": [None, adj.pk]})  # fmt: skip
        return card
    before = line["score"]
    line["score"] = line["actual"] = float(value)
    card.total = sum((Decimal(str(ln["score"] or 0)) for ln in card.lines), Decimal(0))
    card.save(update_fields=["lines", "total"])
    audit.record(
        actor=user, action="scorecard.score", target=card, changes={code: [before, str(value)]}
    )
    return card


@transaction.atomic
def sign(user: Any, card: Scorecard) -> Scorecard:
    """The manager's sign-off locks the scorecard."""
    if card.signed_at is None:
        card.signed_by, card.signed_at = user, timezone.now()
        card.save(update_fields=["signed_by", "signed_at"])
        audit.record(
            actor=user,
            action="scorecard.sign",
            target=card,
            changes={"total": [None, str(card.total)]},
        )
    return card
