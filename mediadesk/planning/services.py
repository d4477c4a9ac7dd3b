"""Goals: create/update with validation and SMART warnings, progress recompute, manual values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.planning import access, metrics, rules
from mediadesk.planning.errors import invalid
from mediadesk.planning.models import Goal, Horizon, KeyResult, Level, ManualValue

LIMIT = Decimal(10) ** 14  # the key-result columns hold 18 digits, 4 after the point
GOAL_FIELDS = ("name", "level", "horizon", "start", "end", "owner", "parent", "top_level_reason")


def _margin() -> Decimal:
    return Decimal(str(getattr(settings, "PLANNING_AT_RISK_MARGIN", rules.AT_RISK_MARGIN)))


def _decimal(value: Any, field: str, errors: list[dict[str, str]]) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append({"field": field, "message": str(_("不是有效的数字"))})
        return None
    if not number.is_finite() or abs(number) >= LIMIT:
        errors.append({"field": field, "message": str(_("数值超出范围"))})
        return None
    return number


def check_key_result(
    user: Any, org_id: int, data: dict[str, Any], index: int
) -> list[dict[str, str]]:
    """Problems that block saving one key result: an unknown metric, a scope the metric cannot
    use or outside the user's scopes, a missing or non-positive target. Stores the cleaned
    scope back into `data`."""
    errors: list[dict[str, str]] = []
    field = f"key_results[{index}]"
    metric = metrics.get(str(data.get("metric") or ""))
    if metric is None:
        errors.append({"field": f"{field}.metric",
                       "message": str(_("未知指标：%(code)s") % {"code": data.get("metric")})})  # fmt: skip
    scope, problems = access.clean_scope(user, org_id, metric, data.get("scope") or {})
    errors.extend({"field": f"{field}.scope", "message": p} for p in problems)
    data["scope"] = scope
    target = _decimal(data.get("target"), f"{field}.target", errors)
    if target is not None and target <= 0:
        errors.append({"field": f"{field}.target", "message": str(_("目标值须大于 0"))})
    _decimal(data.get("baseline") or 0, f"{field}.baseline", errors)
    weight = _decimal(data.get("weight") or 1, f"{field}.weight", errors)
    if weight is not None and weight < 0:
        errors.append({"field": f"{field}.weight", "message": str(_("权重不能为负数"))})
    return errors


def check_goal_fields(data: dict[str, Any]) -> list[dict[str, str]]:
    """Name, level, horizon and dates of a goal (the API's schema checks them too; the page
    relies on these)."""
    errors = _validate_dates(data.get("start"), data.get("end"))
    if not str(data.get("name") or "").strip():
        errors.append({"field": "name", "message": str(_("请填写目标名称"))})
    if data.get("level") not in Level.values:
        errors.append({"field": "level", "message": str(_("请选择层级"))})
    if data.get("horizon") and data["horizon"] not in Horizon.values:
        errors.append({"field": "horizon", "message": str(_("未知周期"))})
    for key in ("start", "end"):
        if not isinstance(data.get(key), dt.date):
            errors.append({"field": key, "message": str(_("请填写日期"))})
    return errors


def smart_warnings(goal: Goal, krs: Iterable[KeyResult]) -> list[str]:
    """The SMART check as warnings (never blocks), with the figures behind them."""
    out = []
    if goal.parent_id is None and not goal.top_level_reason:
        out.append(_("相关性：未关联上级目标，也未说明为何是顶层目标"))
    for kr in krs:
        metric = metrics.get(kr.metric)
        if metric and not metric.computed and not metric.manual:
            out.append(_("可衡量：指标「%(metric)s」的数据来源尚未上线（%(source)s）")
                       % {"metric": metric.label, "source": metric.source})  # fmt: skip
        if metric and metric.computed and not kr.scope:
            out.append(_("具体：指标「%(metric)s」未限定范围（账号/平台/项目…）")
                       % {"metric": metric.label})  # fmt: skip
        if metric and metric.computed and metric.kind == "sum":
            out.extend(_achievable(goal, kr, metric))
    return out


def _achievable(goal: Goal, kr: KeyResult, metric: metrics.Metric) -> list[str]:
    """Warn when the target exceeds the best of the last 6 equal past periods × factor."""
    factor = Decimal(str(getattr(settings, "PLANNING_ACHIEVABLE_FACTOR", 1.5)))
    span = (kr.end - kr.start).days + 1
    compute = metric.actual
    if compute is None:
        return []
    past = []
    for n in range(1, 7):
        end = kr.start - dt.timedelta(days=span * (n - 1) + 1)
        start = end - dt.timedelta(days=span - 1)
        past.append(compute(goal.organisation_id, kr.scope, start, end) or Decimal(0))
    best = max(past)
    if best and kr.target > best * factor:
        text = _("可实现：目标 %(target)s 高于过去同长度周期最好成绩 %(best)s 的 %(factor)s 倍")
        return [text % {"target": f"{kr.target.normalize():f}", "best": best, "factor": factor}]
    return []


def _validate_dates(start: Any, end: Any) -> list[dict[str, str]]:
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        return [{"field": "end", "message": str(_("结束日期早于开始日期"))}]
    return []


@transaction.atomic
def create_goal(user: Any, *, organisation_id: int, data: dict[str, Any]) -> Goal:
    """Create a goal with its key results; raises ValidationError (nothing written) on bad input."""
    errors = check_goal_fields(data)
    krs = data.get("key_results") or []
    if not krs:
        errors.append({"field": "key_results", "message": str(_("至少需要一个关键结果"))})
    for i, kr in enumerate(krs):
        errors.extend(check_key_result(user, organisation_id, kr, i))
    if errors:
        raise invalid(errors)
    goal = Goal.objects.create(
        organisation_id=organisation_id,
        created_by=user,
        **{k: data[k] for k in GOAL_FIELDS if data.get(k) is not None},
    )
    for kr in krs:
        _add_key_result(goal, kr)
    finish_goal(goal, user, action="goal.create")
    return goal


def _add_key_result(goal: Goal, data: dict[str, Any]) -> KeyResult:
    return KeyResult.objects.create(
        goal=goal,
        metric=data["metric"],
        target=Decimal(str(data["target"])),
        baseline=Decimal(str(data.get("baseline") or 0)),
        scope=data.get("scope") or {},
        start=data.get("start") or goal.start,
        end=data.get("end") or goal.end,
        weight=Decimal(str(data.get("weight") or 1)),
    )


def finish_goal(
    goal: Goal, user: Any, *, action: str, changes: dict[str, Any] | None = None
) -> None:
    krs = list(goal.key_results.all())
    goal.warnings = smart_warnings(goal, krs)
    goal.save(update_fields=["warnings"])
    recompute_goal(goal)
    audit.record(actor=user, action=action, target=goal, changes=changes or {
        "name": [None, goal.name], "key_results": [None, [k.metric for k in krs]],
    })  # fmt: skip


@transaction.atomic
def update_goal(user: Any, goal: Goal, data: dict[str, Any]) -> Goal:
    """Change a goal's fields (the audit keeps the before/after)."""
    start, end = data.get("start") or goal.start, data.get("end") or goal.end
    errors = _validate_dates(start, end)
    if "name" in data and not str(data["name"] or "").strip():
        errors.append({"field": "name", "message": str(_("请填写目标名称"))})
    if errors:
        raise invalid(errors)
    before = audit.snapshot(goal, GOAL_FIELDS)
    for key in GOAL_FIELDS:
        if key in data and data[key] is not None:
            setattr(goal, key, data[key])
    goal.save()
    goal.key_results.filter(start__lt=goal.start).update(start=goal.start)
    goal.key_results.filter(end__gt=goal.end).update(end=goal.end)
    finish_goal(
        goal,
        user,
        action="goal.update",
        changes=audit.diff(before, audit.snapshot(goal, GOAL_FIELDS)),
    )
    return goal


def compute_actual(kr: KeyResult, org_id: int, today: dt.date) -> Decimal | None:
    """The key result's actual up to today (manual: the latest value entered by then)."""
    metric = metrics.get(kr.metric)
    if metric is None:
        return None
    if metric.manual:
        last = kr.values.filter(at__lte=min(today, kr.end)).order_by("-at", "-id").first()
        return last.value if last else None
    if metric.actual is None or today < kr.start:
        return None
    return metric.actual(org_id, kr.scope, kr.start, min(today, kr.end))


def recompute_key_result(kr: KeyResult, org_id: int, today: dt.date) -> KeyResult:
    """Recompute and store one key result's actual, rate, projection and status."""
    metric = metrics.get(kr.metric)
    kind = metric.kind if metric else "level"
    kr.actual = compute_actual(kr, org_id, today)
    result = rules.outcome(kr.actual, kr.target, kind, kr.start, kr.end, today, _margin())
    kr.rate, kr.projected, kr.status = result.rate, result.projected, result.status
    kr.computed_at = timezone.now()
    return kr


def recompute_goal(goal: Goal, today: dt.date | None = None) -> Goal:
    """Recompute a goal's key results and roll their rates up by weight."""
    day = today or timezone.localdate()
    krs = [recompute_key_result(kr, goal.organisation_id, day) for kr in goal.key_results.all()]
    KeyResult.objects.bulk_update(krs, ["actual", "rate", "projected", "status", "computed_at"])
    _roll_up(goal, krs)
    goal.save(update_fields=["rate", "status"])
    return goal


def _roll_up(goal: Goal, krs: list[KeyResult]) -> None:
    goal.rate = rules.rollup([(k.rate, k.weight) for k in krs])
    goal.status = rules.goal_status([k.status for k in krs])


def recompute(
    *,
    organisation_id: int | None = None,
    metrics_in: Iterable[str] | None = None,
    today: dt.date | None = None,
    open_only: bool = False,
) -> int:
    """Recompute the goals touched by new data (`open_only`: those not ended a week ago)."""
    day = today or timezone.localdate()
    goals = Goal.objects.all()
    if open_only:
        goals = goals.filter(end__gte=day - dt.timedelta(days=7), start__lte=day)
    if organisation_id is not None:
        goals = goals.filter(organisation_id=organisation_id)
    if metrics_in is not None:
        goals = goals.filter(key_results__metric__in=list(metrics_in)).distinct()
    count = 0
    with metrics.batch(), transaction.atomic():
        count = _recompute_goals(goals, day)
    return count


def _recompute_goals(goals: Any, day: dt.date) -> int:
    done_goals: list[Goal] = []
    done_krs: list[KeyResult] = []
    for goal in goals.prefetch_related("key_results"):
        krs = [recompute_key_result(kr, goal.organisation_id, day) for kr in goal.key_results.all()]
        _roll_up(goal, krs)
        done_goals.append(goal)
        done_krs.extend(krs)
    _write(KeyResult, ["actual", "rate", "projected", "status", "computed_at"], done_krs)
    _write(Goal, ["rate", "status"], done_goals)
    return len(done_goals)


def _write(model: Any, fields: list[str], rows: list[Any]) -> None:
    """UPDATE … WHERE id = %s with executemany (bulk_update's CASE chains are slow at 6,000)."""
    table = model._meta.db_table
    cols = [model._meta.get_field(f) for f in fields]
    sets = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in cols)
    params = [
        [c.get_db_prep_save(getattr(r, c.attname), connection) for c in cols] + [r.pk] for r in rows
    ]
    with connection.cursor() as cursor:
        # table and columns come from the model, never from input
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", params)  # noqa: S608


@transaction.atomic
def add_manual_value(
    user: Any,
    goal: Goal,
    *,
    key_result_id: int,
    value: Any,
    at: dt.date | None,
    evidence_url: str = "",
) -> ManualValue:
    """Enter a manual metric's figure (refused on computed metrics), audited."""
    kr = goal.key_results.filter(pk=key_result_id).first()
    if kr is None:
        raise invalid([{"field": "key_result", "message": str(_("该目标没有这个关键结果"))}])
    metric = metrics.get(kr.metric)
    if metric is None or not metric.manual:
        raise invalid([{
            "field": "key_result",
            "message": str(_("该指标由系统根据数据自动计算，不能手工录入")),
        }])  # fmt: skip
    errors: list[dict[str, str]] = []
    number = _decimal(value, "value", errors)
    if not isinstance(at, dt.date) or not kr.start <= at <= kr.end:
        errors.append({"field": "at", "message": str(_("日期应在关键结果的周期内（%(start)s ~ %(end)s）")
                                                 % {"start": kr.start, "end": kr.end})})  # fmt: skip
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            errors.append({"field": "evidence_url", "message": str(_("证明链接不是有效的网址"))})
    if errors or number is None or at is None:
        raise invalid(errors)
    entry = ManualValue.objects.create(
        key_result=kr, value=number, at=at, evidence_url=evidence_url, entered_by=user
    )
    audit.record(actor=user, action="goal.manual_value", target=goal, changes={
        "key_result": [None, kr.pk], "value": [None, str(number)], "at": [None, str(at)],
        "evidence_url": [None, evidence_url],
    })  # fmt: skip
    recompute_goal(goal)
    return entry


def rows_behind(kr: KeyResult, org_id: int) -> list[dict[str, Any]]:
    """The records behind a key result's figure (posts, accounts' days, leads, deals…)."""
    metric = metrics.get(kr.metric)
    if metric is None:
        return []
    if metric.manual:
        return [
            {
                "label": v.evidence_url or _("手工录入"),
                "date": v.at,
                "value": v.value,
                "url": v.evidence_url,
            }
            for v in kr.values.order_by("-at")
        ]
    if metric.rows is None:
        return []
    today = timezone.localdate()
    return metric.rows(org_id, kr.scope, kr.start, min(today, kr.end))
