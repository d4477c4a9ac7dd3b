"""Heartbeats, and the tasks of a dead worker given back to the queue and finished by another."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mediadesk.core import periodic, workers
from mediadesk.core.models import PeriodicRun, WorkerBeat

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ran(monkeypatch: Any, settings: Any) -> list[object]:
    """A registry with one job that records its runs; tasks go to the database queue."""
    settings.TASKS = DATABASE_TASKS
    settings.WORKER_DEAD_AFTER_SECONDS = 60
    calls: list[object] = []
    monkeypatch.setattr(periodic, "JOBS", {
        "test.count": periodic.Job("test.count", timedelta(hours=1), calls.append, "count")
    })  # fmt: skip
    return calls


def running_on(worker: str, *, silent_for: float, earlier_workers: int = 0) -> tuple[Any, Any]:
    """A claimed periodic slot whose task a worker started, then said nothing for `silent_for` s."""
    (run,) = periodic.tick(worker="w0")
    result = DBTaskResult.objects.get()
    ids = [f"dead-{i}" for i in range(earlier_workers)] + [worker]
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=ids
    )
    WorkerBeat.objects.create(worker=worker, beat_at=timezone.now() - timedelta(seconds=silent_for))
    return run, result


def test_a_dead_workers_task_is_given_back_and_another_worker_finishes_it(
    ran: list[object],
) -> None:
    run, result = running_on("host-111", silent_for=61)

    assert workers.recover() == {"requeued": 1, "failed": 0}
    result.refresh_from_db()
    assert result.status == "READY" and result.started_at is None
    assert not WorkerBeat.objects.filter(worker="host-111").exists()  # the dead are forgotten

    call_command("worker", "--batch", "--interval", "0")
    result.refresh_from_db()
    run.refresh_from_db()
    assert result.status == "SUCCESSFUL" and result.worker_ids[0] == "host-111"
    assert run.status == PeriodicRun.Status.DONE and len(ran) == 1  # ran once, not lost


def test_a_live_worker_keeps_its_task_and_a_worker_without_heartbeat_is_left_alone(
    ran: list[object],
) -> None:
    _run, result = running_on("host-222", silent_for=30)
    assert workers.recover() == {"requeued": 0, "failed": 0}
    DBTaskResult.objects.filter(pk=result.pk).update(worker_ids=["batch-333"])  # never beat
    assert workers.recover() == {"requeued": 0, "failed": 0}
    result.refresh_from_db()
    assert result.status == "RUNNING"
    assert WorkerBeat.objects.filter(worker="host-222").exists()


def test_a_task_whose_workers_died_three_times_is_failed_not_run_again(ran: list[object]) -> None:
    run, result = running_on("host-444", silent_for=120, earlier_workers=2)

    assert workers.recover() == {"requeued": 0, "failed": 1}
    call_command("worker", "--batch", "--interval", "0")
    result.refresh_from_db()
    run.refresh_from_db()
    assert result.status == "FAILED" and result.exception_class_path.endswith("WorkerDied")
    assert "3 workers died" in result.traceback
    assert ran == [] and run.status == PeriodicRun.Status.CLAIMED


def test_a_beat_creates_then_moves_the_row_and_leaving_removes_it() -> None:
    earlier = timezone.now() - timedelta(minutes=5)
    workers.beat("host-555", earlier)
    workers.beat("host-555")
    row = WorkerBeat.objects.get(worker="host-555")
    assert row.beat_at > earlier + timedelta(minutes=4)
    assert workers.dead_workers(timezone.now()) == set()
    assert workers.dead_workers(timezone.now() + timedelta(seconds=200)) == {"host-555"}
    workers.leave("host-555")
    assert not WorkerBeat.objects.exists()


def test_recovery_is_a_periodic_job_of_the_core() -> None:
    from mediadesk.core import jobs

    job = periodic.JOBS["core.recover_tasks"]
    assert job.every == timedelta(minutes=1) and job.func is jobs.recover_tasks
