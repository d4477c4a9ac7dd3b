"""Tasks: by hand and generated from records; quadrant moves; the 今日 agenda."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.core import audit
from mediadesk.planning.errors import invalid
from mediadesk.planning.models import AgendaCheck, Task

URGENT_WITHIN = dt.timedelta(days=2)
TASK_FIELDS = ("title", "due_at", "important", "urgent", "status", "minutes")


def urgent_by_due(due_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Urgency defaults from the due date: due within 2 days (or overdue)."""
    return due_at is not None and due_at - (now or timezone.now()) <= URGENT_WITHIN


@transaction.atomic
def create_task(user: Any, *, owner: Any, data: dict[str, Any]) -> Task:
    """A task by hand; importance defaults from a goal link, urgency from the due date."""
    title = str(data.get("title") or "").strip()
    if not title:
        raise invalid([{"field": "title", "message": "标题不能为空"}])
    due = data.get("due_at")
    task = Task.objects.create(
        organisation_id=owner.organisation_id,
        title=title[:200],
        owner=owner,
        due_at=due,
        goal_id=data.get("goal"),
        important=data["important"]
        if data.get("important") is not None
        else bool(data.get("goal")),
        urgent=data["urgent"] if data.get("urgent") is not None else urgent_by_due(due),
        link=data.get("link") or "",
    )
    audit.record(actor=user, action="task.create", target=task, changes={"title": [None, title]})
    return task


@transaction.atomic
def update_task(user: Any, task: Task, data: dict[str, Any]) -> Task:
    """Move a task between quadrants, reschedule or close it (audited)."""
    if data.get("status") and data["status"] not in Task.Status.values:
        raise invalid([{"field": "status", "message": "未知状态"}])
    before = audit.snapshot(task, TASK_FIELDS)
    for key in TASK_FIELDS:
        if key in data and data[key] is not None:
            setattr(task, key, data[key])
    if task.status != Task.Status.OPEN and task.closed_at is None:
        task.closed_at = timezone.now()
    task.save()
    audit.record(
        actor=user,
        action="task.update",
        target=task,
        changes=audit.diff(before, audit.snapshot(task, TASK_FIELDS)),
    )
    return task


def sync_generated(source: str, wanted: dict[tuple[str, int], dict[str, Any]]) -> dict[str, int]:
    """Open the generated tasks of `source` that are wanted and close those no longer wanted.

    `wanted` maps (source_key, owner id) to the task's fields; generated tasks close themselves
    when their record is done (no double bookkeeping).
    """
    now = timezone.now()
    open_tasks = Task.objects.filter(source=source, status=Task.Status.OPEN)
    existing = {(t.source_key, t.owner_id): t for t in open_tasks}
    gone = [t.pk for key, t in existing.items() if key not in wanted]
    closed = Task.objects.filter(pk__in=gone).update(status=Task.Status.DONE, closed_at=now)
    created = 0
    for (key, owner_id), fields in wanted.items():
        if (key, owner_id) in existing:
            continue
        _, made = Task.objects.update_or_create(
            source_key=key, owner_id=owner_id,
            defaults={**fields, "source": source, "status": Task.Status.OPEN, "closed_at": None},
        )  # fmt: skip
        created += int(made) or 1
    return {"opened": created, "closed": closed}


def agenda(user: Any, day: dt.date) -> dict[str, Any]:
    """The 今日 agenda: posts to publish, reviews waiting, due tasks on a time axis."""
    from mediadesk.content.models import Status, Variant

    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    high = low + dt.timedelta(days=1)
    posts = (
        Variant.objects.filter(owner=user, planned_at__gte=low, planned_at__lt=high)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED])
        .select_related("item", "account")
    )
    tasks = Task.objects.filter(owner=user, status=Task.Status.OPEN).filter(
        due_at__lt=high
    ) | Task.objects.filter(owner=user, status=Task.Status.OPEN, due_at__isnull=True, urgent=True)
    items = [_post_entry(v) for v in posts] + [
        _task_entry(t, low) for t in tasks.order_by("due_at", "id")
    ]
    items.sort(key=lambda e: e["at"])
    check = AgendaCheck.objects.filter(user=user, date=day).first()
    return {
        "date": day,
        "items": items,
        "posts": len(posts),
        "confirmed_at": check.confirmed_at if check else None,
    }


def _post_entry(v: Any) -> dict[str, Any]:
    return {
        "kind": "post",
        "title": f"{v.account} · {v.item.title}",
        "at": timezone.localtime(v.planned_at),
        "minutes": 15,
        "status": v.status,
        "link": f"/content/items/{v.item_id}/",
        "id": v.pk,
    }


def _task_entry(t: Task, day_start: dt.datetime) -> dict[str, Any]:
    at = (
        timezone.localtime(t.due_at)
        if t.due_at and t.due_at >= day_start
        else day_start + dt.timedelta(hours=9)
    )
    return {
        "kind": t.source,
        "title": t.title,
        "at": at,
        "minutes": t.minutes,
        "status": t.status,
        "link": t.link,
        "id": t.pk,
        "overdue": bool(t.due_at and t.due_at < day_start),
    }


@transaction.atomic
def confirm_publishing(user: Any, day: dt.date) -> AgendaCheck:
    """Record that the day's publishing plan was checked (idempotent per user and day)."""
    posts = agenda(user, day)["posts"]
    check, made = AgendaCheck.objects.get_or_create(user=user, date=day, defaults={"posts": posts})
    if made:
        audit.record(
            actor=user,
            action="agenda.confirm",
            target=check,
            changes={"date": [None, str(day)], "posts": [None, posts]},
        )
    return check
