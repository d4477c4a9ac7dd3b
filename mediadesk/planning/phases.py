"""Phase plans (阶段规划): the `001_…` three-phase template, measured milestones checked from
the data, the others ticked by their owner with evidence."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.planning import metrics
from mediadesk.planning.errors import invalid
from mediadesk.planning.models import Milestone, Phase, PhasePlan

# (phase name, months from the plan's start to its start, to its end, milestones); a milestone is
# (title, metric or "", target, per month)
TEMPLATE: list[tuple[Any, int, int, list[tuple[Any, str, int | None, bool]]]] = [
    (gettext_lazy("短期：体系搭建与冷启动"), 0, 3, [
        (gettext_lazy("内容 SOP、审核流程与发布排期上线"), "", None, False),
        (gettext_lazy("试运营 3–5 种内容类型，按数据排出优先级"), "", None, False),
        (gettext_lazy("积累种子用户（私域净增 1,000）"), "private_net_growth", 1000, False),
    ]),
    (gettext_lazy("中期：规模增长与品牌渗透"), 3, 12, [
        (gettext_lazy("每月 2–3 个爆款（≥100万播放）"), "hits", 2, True),
        (gettext_lazy("建立 SEO 内容池"), "", None, False),
        (gettext_lazy("付费流量预算到位（巨量千川、薯条）"), "", None, False),
        (gettext_lazy("KOL/KOC 分级合作"), "", None, False),
        (gettext_lazy("私域用户从万到十万"), "private_members", 100_000, False),
    ]),
    (gettext_lazy("长期：生态构建与行业占位"), 12, 36, [
        (gettext_lazy("2–3 次跨品牌联合活动"), "", None, False),
        (gettext_lazy("私域复购率 ≥ 30%"), "private_repurchase_rate", 30, False),
        (gettext_lazy("运营效率提升 40%"), "", None, False),
    ]),
]  # fmt: skip


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def from_template(user: Any, *, organisation_id: int, name: str, start: dt.date) -> PhasePlan:
    """A plan with the three phases and milestones of the `001_…` template, audited."""
    if not name.strip():
        raise invalid([{"field": "name", "message": _("请填写规划名称")}])
    plan = PhasePlan.objects.create(organisation_id=organisation_id, name=name.strip()[:120],
                                    start=start, created_by=user)  # fmt: skip
    for order, (title, begin, finish, stones) in enumerate(TEMPLATE, start=1):
        end = add_months(start, finish) - dt.timedelta(days=1)
        phase = Phase.objects.create(plan=plan, order=order, name=str(title),
                                     start=add_months(start, begin), end=end)  # fmt: skip
        Milestone.objects.bulk_create([
            Milestone(phase=phase, title=str(t), metric=m, per_month=monthly, owner=user,
                      target=None if target is None else Decimal(target))
            for t, m, target, monthly in stones
        ])  # fmt: skip
    audit.record(actor=user, action="phase_plan.create", target=plan,
                 changes={"name": [None, plan.name], "start": [None, str(start)]})  # fmt: skip
    check(plan)
    return plan


def window(stone: Milestone, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a measured milestone is judged over (this month for monthly ones)."""
    phase = stone.phase
    if today < phase.start:
        return None
    end = min(today, phase.end)
    start = end.replace(day=1) if stone.per_month else phase.start
    return max(start, phase.start), end


def check(plan: PhasePlan, today: dt.date | None = None) -> int:
    """Check the measured milestones of a plan from the data; returns how many are reached."""
    day = today or timezone.localdate()
    reached = 0
    stones = Milestone.objects.filter(phase__plan=plan).exclude(metric="").select_related("phase")
    for stone in stones:
        metric, period = metrics.get(stone.metric), window(stone, day)
        if metric is None or metric.actual is None or period is None:
            continue
        stone.value = metric.actual(plan.organisation_id, {}, *period)
        stone.checked_at = timezone.now()
        done = stone.value is not None and stone.target is not None and stone.value >= stone.target
        stone.done_at = (stone.done_at or timezone.now()) if done else None
        stone.save(update_fields=["value", "checked_at", "done_at"])
        reached += done
    return reached


def check_all(today: dt.date | None = None) -> int:
    """The periodic job: every plan with a phase still running."""
    day = today or timezone.localdate()
    plans = PhasePlan.objects.filter(phases__end__gte=day - dt.timedelta(days=7)).distinct()
    return sum(check(p, day) for p in plans)


@transaction.atomic
def tick(user: Any, stone: Milestone, evidence_url: str) -> Milestone:
    """Its owner ticks a milestone with evidence; measured ones are decided by the data."""
    if stone.measured:
        raise invalid([{"field": "milestone", "message": _("该里程碑由数据判定，不能手工勾选")}])
    if stone.done_at is not None:
        raise invalid([{"field": "milestone", "message": _("该里程碑已完成")}])
    try:
        URLValidator(schemes=["http", "https"])(evidence_url)
    except ValidationError:
        raise invalid(
            [{"field": "evidence_url", "message": _("请附上证明链接（http/https 网址）")}]
        ) from None
    stone.done_at, stone.done_by, stone.evidence_url = timezone.now(), user, evidence_url[:200]
    stone.save(update_fields=["done_at", "done_by", "evidence_url"])
    audit.record(actor=user, action="milestone.tick", target=stone,
                 changes={"evidence_url": [None, stone.evidence_url]})  # fmt: skip
    return stone
