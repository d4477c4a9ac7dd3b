"""Workers say they are alive; the tasks of a dead worker go back to the queue.

A `mediadesk worker` killed mid-task (kill -9, a lost host) leaves its task marked running for
ever: nothing would run it again. Every worker writes a heartbeat row each tick; the periodic
`core.recover_tasks` gives the running tasks of a worker silent for WORKER_DEAD_AFTER_SECONDS
back to the queue. Tasks take ids and are safe to run twice (each checks its record's state
first), so running one again is what finishing it means. A task whose workers died
MAX_RUNS times is marked failed instead, so a task that kills its worker cannot loop.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mediadesk.core.models import WorkerBeat

log = logging.getLogger(__name__)

MAX_RUNS = 3


def dead_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "WORKER_DEAD_AFTER_SECONDS", 90)))


def beat(worker: str, now: datetime | None = None) -> None:
    """Record that `worker` is alive."""
    now = now or timezone.now()
    if not WorkerBeat.objects.filter(worker=worker[:64]).update(beat_at=now):
        WorkerBeat.objects.get_or_create(worker=worker[:64], defaults={"beat_at": now})


def leave(worker: str) -> None:
    """A worker stopping cleanly (it finished its task first) is not dead."""
    WorkerBeat.objects.filter(worker=worker[:64]).delete()


def dead_workers(now: datetime) -> set[str]:
    stale = WorkerBeat.objects.filter(beat_at__lt=now - dead_after())
    return set(stale.values_list("worker", flat=True))


class WorkerDied(Exception):
    """Recorded on a task whose worker died MAX_RUNS times while running it."""


def recover(now: datetime | None = None) -> dict[str, int]:
    """Requeue the running tasks of dead workers; fail those that have died too often."""
    now = now or timezone.now()
    dead = dead_workers(now)
    counts = {"requeued": 0, "failed": 0}
    if not dead:
        return counts
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    for result in running.only("pk", "worker_ids", "task_path"):
        if not result.worker_ids or result.worker_ids[-1] not in dead:
            continue
        counts[_give_back(result, now)] += 1
    with transaction.atomic():  # forget the dead once their tasks are handled
        WorkerBeat.objects.filter(worker__in=dead, beat_at__lt=now - dead_after()).delete()
    if counts["requeued"] or counts["failed"]:
        log.warning("tasks of dead workers %s: %s", sorted(dead), counts)
    return counts


def _give_back(result: DBTaskResult, now: datetime) -> str:
    mine = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING)
    if len(result.worker_ids) >= MAX_RUNS:
        error = WorkerDied(f"{len(result.worker_ids)} workers died running {result.task_path}")
        mine.update(status=TaskResultStatus.FAILED, finished_at=now,
                    exception_class_path=f"{__name__}.WorkerDied", traceback=repr(error))  # fmt: skip
        return "failed"
    mine.update(status=TaskResultStatus.READY, started_at=None)
    return "requeued"
