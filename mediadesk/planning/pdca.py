"""PDCA cycles and meeting records: Do and Check come from the data, Act decisions and
meeting action items become tasks, decisions carry into the next cycle's plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.planning import tasks_service
from mediadesk.planning.errors import invalid
from mediadesk.planning.metrics import content, live
from mediadesk.planning.metrics.review import median_hours_by_step
from mediadesk.planning.models import Decision, Meeting, PdcaCycle


def _check_period(start: Any, end: Any) -> list[dict[str, str]]:
    errors = []
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        errors.append({"field": "start", "message": _("请填写日期")})
    elif end < start:
        errors.append({"field": "end", "message": _("结束日期早于开始日期")})
    return errors


def _carried(previous: PdcaCycle | None) -> str:
    """The previous cycle's decisions, as the start of this cycle's plan."""
    if previous is None:
        return ""
    lines = [f"- {d.get_kind_display()}：{d.text}" for d in previous.decisions.all()]
    return (_("上一周期的决定：") + "\n" + "\n".join(lines)) if lines else ""


@transaction.atomic
def create_cycle(user: Any, *, organisation_id: int, data: dict[str, Any]) -> PdcaCycle:
    """A cycle (name, dates, optional goal and previous cycle); nothing written on bad input."""
    errors = _check_period(data.get("start"), data.get("end"))
    if not str(data.get("name") or "").strip():
        errors.append({"field": "name", "message": _("请填写周期名称")})
    if errors:
        raise invalid(errors)
    previous = data.get("previous")
    notes = "\n\n".join(p for p in (_carried(previous), str(data.get("plan_notes") or "")) if p)
    cycle = PdcaCycle.objects.create(
        organisation_id=organisation_id, name=str(data["name"]).strip()[:120],
        goal=data.get("goal"), start=data["start"], end=data["end"], plan_notes=notes,
        previous=previous, created_by=user,
    )  # fmt: skip
    audit.record(actor=user, action="pdca.create", target=cycle,
                 changes={"name": [None, cycle.name]})  # fmt: skip
    return cycle


def do_and_check(cycle: PdcaCycle) -> dict[str, Any]:
    """Do (what was published and held) and Check (goal figures, totals, median review hours
    per step) of the cycle's period, read from the data."""
    org = cycle.organisation_id
    scope: dict[str, Any] = {}
    end = cycle.end  # only what has happened is published or held
    posts = content.published(org, scope, cycle.start, end).select_related("account", "item")
    sessions = live.sessions(org, scope, cycle.start, end).select_related("account")
    return {
        "posts": list(posts.order_by("-published_at")[:50]),
        "post_count": posts.count(),
        "sessions": list(sessions.order_by("-planned_start")[:50]),
        "session_count": sessions.count(),
        "key_results": list(cycle.goal.key_results.all()) if cycle.goal_id else [],  # type: ignore[union-attr]
        "review_hours": sorted(median_hours_by_step(org, scope, cycle.start, end).items()),
        "leads": live.leads(org, scope, cycle.start, end),
    }


@transaction.atomic
def add_decision(user: Any, *, cycle: PdcaCycle | None = None, meeting: Meeting | None = None,
                 data: dict[str, Any]) -> Decision:  # fmt: skip
    """An Act decision or a meeting's action item; with an owner it becomes their task."""
    text = str(data.get("text") or "").strip()
    errors = [] if text else [{"field": "text", "message": _("请填写决定内容")}]
    if data.get("kind") and data["kind"] not in Decision.Kind.values:
        errors.append({"field": "kind", "message": _("未知类型")})
    if errors:
        raise invalid(errors)
    decision = Decision.objects.create(cycle=cycle, meeting=meeting, text=text[:300],
                                       kind=data.get("kind") or Decision.Kind.OTHER,
                                       owner=data.get("owner"), due=data.get("due"))  # fmt: skip
    target: Any = cycle or meeting
    if decision.owner is not None:
        due = data.get("due")
        due_at = timezone.make_aware(dt.datetime.combine(due, dt.time(18))) if due else None
        link = f"/planning/pdca/{cycle.pk}/" if cycle else f"/planning/meetings/{meeting.pk}/"  # type: ignore[union-attr]
        decision.task = tasks_service.create_task(user, owner=decision.owner, data={
            "title": text[:200], "due_at": due_at, "important": True, "link": link})  # fmt: skip
        decision.save(update_fields=["task"])
    audit.record(actor=user, action="pdca.decision", target=target,
                 changes={"decision": [None, decision.text]})  # fmt: skip
    return decision


@transaction.atomic
def create_meeting(user: Any, *, organisation_id: int, data: dict[str, Any]) -> Meeting:
    """A meeting record; its agenda starts from the cycle's plan and open decisions."""
    errors = []
    if not str(data.get("title") or "").strip():
        errors.append({"field": "title", "message": _("请填写会议主题")})
    if not isinstance(data.get("held_on"), dt.date):
        errors.append({"field": "held_on", "message": _("请填写日期")})
    if data.get("kind") and data["kind"] not in Meeting.Kind.values:
        errors.append({"field": "kind", "message": _("未知类型")})
    if errors:
        raise invalid(errors)
    cycle = data.get("cycle")
    agenda = str(data.get("agenda") or "") or (_agenda(cycle) if cycle else "")
    meeting = Meeting.objects.create(
        organisation_id=organisation_id, kind=data.get("kind") or Meeting.Kind.WEEKLY,
        title=str(data["title"]).strip()[:120], held_on=data["held_on"], cycle=cycle,
        agenda=agenda, notes=str(data.get("notes") or ""), created_by=user,
    )  # fmt: skip
    meeting.attendees.set(data.get("attendees") or [])
    audit.record(actor=user, action="meeting.create", target=meeting,
                 changes={"title": [None, meeting.title]})  # fmt: skip
    return meeting


def _agenda(cycle: PdcaCycle) -> str:
    lines = [_("PDCA 周期：%(name)s") % {"name": cycle.name}]
    lines += [f"- {d.text}" for d in cycle.decisions.select_related("task")
              if d.task is None or d.task.status == "open"]  # fmt: skip
    return "\n".join(lines)
