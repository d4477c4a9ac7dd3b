"""KPI scorecards: role templates with the spec's defaults, scoring rules, monthly cards."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    label: Any  # lazily translated
    weight: int
    metric: str | None = None
    target: Decimal = Decimal(0)
    per_week: bool = False  # the target is per week (e.g. 3 sessions a week) over the month

    def target_for(self, month: dt.date) -> Decimal:
        """The month's target (a weekly target × the month's days / 7)."""
        if not self.per_week:
            return self.target
        start, end = month_range(month)
        return (self.target * ((end - start).days + 1) / 7).quantize(Decimal("0.01"))


def _m(code: str, label: Any, weight: int, metric: str, target: int | str) -> Indicator:
    return Indicator(code, label, weight, metric, Decimal(str(target)))


TEMPLATES: dict[str, list[Indicator]] = {
    Role.PLANNER: [_m("output", gettext_lazy("内容产出(对计划)"), 30, "posts_published", 20),
                   _m("on_time", gettext_lazy("按时发布率"), 20, "on_time_rate", 95),
                   _m("rate", gettext_lazy("互动率"), 30, "interaction_rate", 5),
                   _m("hits", gettext_lazy("爆款数"), 20, "hits", 2)],
    Role.OPERATOR: [_m("on_time", gettext_lazy("准时发布率"), 40, "publish_on_time_rate", 95),
                    _m("checks", gettext_lazy("发布后 1 小时检查完成率"), 30, "post_checks_rate", 100),
                    Indicator("standards", gettext_lazy("账号规范"), 30)],
    Role.ANCHOR: [Indicator("sessions", gettext_lazy("直播场次(每周 3 场)"), 40, "live_sessions", Decimal(3),
                            per_week=True),
                  _m("viewers", gettext_lazy("场均观看"), 20, "live_avg_viewers", 1000),
                  _m("leads", gettext_lazy("直播留资"), 20, "live_leads", 50),
                  _m("deals", gettext_lazy("线上成交套数"), 20, "live_deals", 2)],
    Role.SERVICE: [_m("sla", gettext_lazy("首响达标率"), 50, "first_response_sla", 95),
                   _m("volume", gettext_lazy("回复量"), 25, "replies_sent", 300),
                   _m("negative", gettext_lazy("负面案例闭环"), 25, "negative_closed", 10)],
    Role.SALES: [Indicator("sla", gettext_lazy("首次联系达标率"), 30), _m("visits", gettext_lazy("到访"), 30, "visits", 20),
                 _m("deals", gettext_lazy("成交套数"), 40, "deals", 2)],
    Role.MANAGER: [Indicator("goals", gettext_lazy("部门目标达成"), 100)],
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
        return {"code": ind.code, "label": str(ind.label), "weight": ind.weight, "manual": True,
                "actual": value, "target": None, "score": value, "source": ""}  # fmt: skip
    metric = metrics.get(ind.metric)
    start, end = month_range(month)
    scope = {"person": [person.pk]} if metric and "person" in metric.scopes else {}
    actual = (
        metric.actual(person.organisation_id, scope, start, end)
        if metric and metric.actual
        else None
    )
    target = ind.target_for(month)
    return {"code": ind.code, "label": str(ind.label), "weight": ind.weight, "manual": False,
            "metric": ind.metric, "scope": scope, "actual": None if actual is None else float(actual),
            "target": float(target), "score": float(score(actual, target, ind.weight)),
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
    if line is None:
        raise invalid([{"field": "indicator", "message": str(_("考核表没有这个指标"))}])
    if not line.get("manual") and not card.signed_at:
        raise invalid([{"field": "indicator", "message": str(_("该指标由数据计算，不能手工评分"))}])
    top = Decimal(line["weight"]) * CAP
    if not (value.is_finite() and Decimal(0) <= value <= top):
        raise invalid([{"field": "score", "message": str(
            _("得分应在 0 到 %(top)s 之间") % {"top": top.normalize()})}])  # fmt: skip
    if card.signed_at:
        if not reason.strip():
            raise invalid([{"field": "reason", "message": str(
                _("考核表已签核，不能直接修改；请填写调整原因，修改将作为调整记录保存"))}])  # fmt: skip
        adj = ScorecardAdjustment.objects.create(scorecard=card, indicator=code, score=value,
                                                 reason=reason.strip()[:200], by=user)  # fmt: skip
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
def self_assess(user: Any, card: Scorecard, text: str) -> Scorecard:
    """The person's own assessment, until the manager signs."""
    if card.person_id != user.pk:
        raise invalid([{"field": "self_assessment", "message": str(_("只能填写本人的自评"))}])
    if card.signed_at:
        raise invalid(
            [{"field": "self_assessment", "message": str(_("考核表已签核，自评不能再修改"))}]
        )
    before, card.self_assessment = card.self_assessment, text.strip()[:2000]
    card.save(update_fields=["self_assessment"])
    audit.record(actor=user, action="scorecard.self_assess", target=card,
                 changes={"self_assessment": [before, card.self_assessment]})  # fmt: skip
    return card


def adjusted_total(card: Scorecard) -> Decimal:
    """The total with the latest adjustment of each indicator applied over the signed score."""
    scores = {ln["code"]: Decimal(str(ln["score"] or 0)) for ln in card.lines}
    for adj in card.adjustments.all():
        scores[adj.indicator] = adj.score
    return sum(scores.values(), Decimal(0))


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


def label_of(role: str, code: str, stored: str) -> str:
    """An indicator's label in the reader's language (the stored one when unknown)."""
    ind = next((i for i in TEMPLATES.get(role, []) if i.code == code), None)
    return str(ind.label) if ind else stored


def role_of(person: Any) -> str | None:
    """The scorecard template a person is measured by (the first of their roles with one)."""
    from mediadesk.core import scopes

    held = scopes.roles(person)
    return next((r for r in TEMPLATES if r in held), None)


def people(user: Any, person: int | None = None) -> list[Any]:
    """Whose cards `user` may see (access.managed_people), optionally one person."""
    from mediadesk.planning import access

    qs = access.managed_people(user).filter(is_active=True)
    if person is not None:
        qs = qs.filter(pk=person)
    return list(qs.prefetch_related("role_grants").order_by("pk")[:1000])


def compute_month(user: Any, month: dt.date, person: int | None = None) -> list[Scorecard]:
    """The month's cards of the people `user` may see, computed (signed ones stay), ranked."""
    cards = []
    with metrics.batch():
        for p in people(user, person):
            role = role_of(p)
            if role is not None:
                cards.append(compute(p, role, month))
    cards.sort(key=lambda c: -c.total)
    return cards


def line_rows(card: Scorecard, code: str) -> list[dict[str, Any]]:
    """The records behind one computed line of a card (the sessions, leads, posts…)."""
    line = next((ln for ln in card.lines if ln["code"] == code and not ln.get("manual")), None)
    metric = metrics.get(line["metric"]) if line else None
    if line is None or metric is None or metric.rows is None:
        return []
    start, end = month_range(card.month)
    return metric.rows(card.organisation_id, line.get("scope") or {}, start, end)
