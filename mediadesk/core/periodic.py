"""The periodic-job registry. The worker claims each due slot through a unique row, so a slot
runs once however many workers poll; the claimed slot is then run as a background task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise

from mediadesk.core.models import PeriodicRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    func: Callable[[datetime], object]
    label: str | Promise


JOBS: dict[str, Job] = {}


def periodic(
    name: str, *, every: timedelta, label: str | Promise
) -> Callable[[Callable[[datetime], object]], Callable[[datetime], object]]:
    """Register `func(slot)` to run once per `every`, aligned to the epoch."""

    def decorate(func: Callable[[datetime], object]) -> Callable[[datetime], object]:
        JOBS[name] = Job(name, every, func, label)
        return func

    return decorate


def current_slot(job: Job, now: datetime) -> datetime:
    step = int(job.every.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % step, tz=UTC)


def claim(job: Job, slot: datetime, *, worker: str) -> PeriodicRun | None:
    """Insert the slot's row; None if another worker already holds it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(job=job.name, slot=slot, worker=worker[:64])
    except IntegrityError:
        return None


def tick(*, now: datetime | None = None, worker: str = "") -> list[PeriodicRun]:
    """Claim every job's current slot that no worker has claimed yet and queue it."""
    from mediadesk.core.tasks import run_periodic_job

    now = now or timezone.now()
    claimed = []
    for job in JOBS.values():
        run = claim(job, current_slot(job, now), worker=worker)
        if run is not None:
            claimed.append(run)
            transaction.on_commit(partial(run_periodic_job.enqueue, run.pk))
    return claimed


def execute(run_id: int) -> None:
    """Run a claimed slot and record its outcome."""
    run = PeriodicRun.objects.get(pk=run_id)
    if run.status != PeriodicRun.Status.CLAIMED:
        return
    job = JOBS.get(run.job)
    try:
        if job is None:
            raise LookupError(f"unknown periodic job {run.job}")
        job.func(run.slot)
    except Exception as exc:
        log.exception("periodic job %s failed", run.job)
        PeriodicRun.objects.filter(pk=run.pk).update(
            status=PeriodicRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        return
    PeriodicRun.objects.filter(pk=run.pk).update(
        status=PeriodicRun.Status.DONE, finished_at=timezone.now()
    )
