"""The periodic-job registry: slots, claiming each slot once, and the worker running them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.core import audit, jobs, periodic
from mediadesk.core.models import AuditEntry, PeriodicRun
from mediadesk.orgs.models import LoginAttempt, Organisation

NOW = datetime(2025, 6, 18, 10, 37, 12, tzinfo=UTC)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def job(name: str, every: timedelta, func: Any = None) -> periodic.Job:
    return periodic.Job(name, every, func or (lambda slot: None), name)


@pytest.fixture
def registry(monkeypatch: Any) -> dict[str, periodic.Job]:
    """An empty job registry the test fills; the real jobs are left out."""
    jobs_: dict[str, periodic.Job] = {}
    monkeypatch.setattr(periodic, "JOBS", jobs_)
    return jobs_


def test_slots_align_to_the_period() -> None:
    assert periodic.current_slot(job("a", timedelta(hours=1)), NOW) == datetime(
        2025, 6, 18, 10, 0, tzinfo=UTC
    )
    assert periodic.current_slot(job("b", timedelta(minutes=5)), NOW) == datetime(
        2025, 6, 18, 10, 35, tzinfo=UTC
    )
    assert periodic.current_slot(job("c", timedelta(days=1)), NOW) == datetime(
        2025, 6, 18, tzinfo=UTC
    )
    on_the_hour = datetime(2025, 6, 18, 11, 0, tzinfo=UTC)
    assert periodic.current_slot(job("a", timedelta(hours=1)), on_the_hour) == on_the_hour


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(
        [timedelta(minutes=1), timedelta(minutes=5), timedelta(hours=1), timedelta(days=1)]
    ),
)
def test_the_slot_is_the_latest_period_boundary_not_after_now(
    now: datetime, every: timedelta
) -> None:
    slot = periodic.current_slot(job("x", every), now)
    assert slot <= now < slot + every
    assert int(slot.timestamp()) % int(every.total_seconds()) == 0


def test_the_decorator_registers_the_job(registry: Any) -> None:
    @periodic.periodic("test.hello", every=timedelta(minutes=10), label="打招呼")
    def hello(slot: datetime) -> str:
        return "hi"

    assert registry["test.hello"] == periodic.Job(
        "test.hello", timedelta(minutes=10), hello, "打招呼"
    )
    assert hello(NOW) == "hi"


def test_the_core_job_is_registered_hourly() -> None:
    registered = periodic.JOBS["core.prune_login_attempts"]
    assert registered.every == timedelta(hours=1)
    assert registered.func is jobs.prune_login_attempts


@pytest.mark.django_db
def test_each_slot_is_claimed_once_however_many_workers_tick(
    registry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    registry["test.hourly"] = job("test.hourly", timedelta(hours=1))
    registry["test.five"] = job("test.five", timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as queued:
        first = periodic.tick(now=NOW, worker="web-1")
        later = [
            periodic.tick(now=NOW + timedelta(seconds=s), worker=f"web-{s}") for s in (1, 30, 60)
        ]
    assert {(r.job, r.worker) for r in first} == {("test.hourly", "web-1"), ("test.five", "web-1")}
    assert later == [[], [], []]
    assert len(queued) == 2  # one task queued per claimed slot
    next_five = periodic.tick(now=NOW + timedelta(minutes=3), worker="web-2")
    assert [(r.job, r.slot) for r in next_five] == [
        ("test.five", datetime(2025, 6, 18, 10, 40, tzinfo=UTC))
    ]
    assert PeriodicRun.objects.filter(job="test.hourly").count() == 1
    assert PeriodicRun.objects.filter(job="test.five").count() == 2
    assert set(PeriodicRun.objects.values_list("status", flat=True)) == {PeriodicRun.Status.CLAIMED}


@pytest.mark.django_db
def test_a_long_worker_id_is_cut_to_the_column(registry: Any) -> None:
    registry["test.hourly"] = job("test.hourly", timedelta(hours=1))
    (run,) = periodic.tick(now=NOW, worker="w" * 100)
    run.refresh_from_db()
    assert run.worker == "w" * 64


@pytest.mark.django_db(transaction=True)
def test_workers_ticking_at_the_same_moment_claim_each_slot_once(
    registry: Any, settings: Any
) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite test database cannot take concurrent writers (runs on PostgreSQL)"
        )
    settings.TASKS = DATABASE_TASKS
    for n in range(3):
        registry[f"test.job{n}"] = job(f"test.job{n}", timedelta(minutes=5))
    start = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            claimed[name] = [run.job for run in periodic.tick(now=NOW, worker=name)]
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = sorted(j for got in claimed.values() for j in got)
    assert everything == ["test.job0", "test.job1", "test.job2"]
    rows = {run.job: run.worker for run in PeriodicRun.objects.all()}
    assert rows == {j: w for w, got in claimed.items() for j in got}
    assert DBTaskResult.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_claimed_slots_and_records_the_outcome(
    registry: Any, settings: Any
) -> None:
    settings.TASKS = DATABASE_TASKS
    org = Organisation.objects.create(name="定时任务测试")
    ran: list[datetime] = []

    def report(slot: datetime) -> int:
        ran.append(slot)
        audit.record(actor=None, action="test.report", target=org)
        return 1

    def broken(slot: datetime) -> None:
        raise RuntimeError("接口超时")

    registry["test.report"] = job("test.report", timedelta(hours=1), report)
    registry["test.broken"] = job("test.broken", timedelta(hours=1), broken)
    periodic.tick(now=NOW, worker="w1")
    assert DBTaskResult.objects.count() == 2

    call_command("worker", "--batch")

    assert ran == [datetime(2025, 6, 18, 10, 0, tzinfo=UTC)]
    done = PeriodicRun.objects.get(job="test.report")
    assert done.status == PeriodicRun.Status.DONE
    assert done.finished_at is not None and done.error == ""
    failed = PeriodicRun.objects.get(job="test.broken")
    assert failed.status == PeriodicRun.Status.FAILED
    assert "RuntimeError" in failed.error and "接口超时" in failed.error
    assert AuditEntry.objects.get(action="test.report").source == "task"
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db
def test_a_slot_runs_once_even_if_its_task_is_delivered_twice(registry: Any) -> None:
    ran: list[datetime] = []
    registry["test.count"] = job("test.count", timedelta(hours=1), ran.append)
    (run,) = periodic.tick(now=NOW, worker="w1")
    periodic.execute(run.pk)
    periodic.execute(run.pk)
    assert len(ran) == 1
    run.refresh_from_db()
    assert run.status == PeriodicRun.Status.DONE


@pytest.mark.django_db
def test_a_slot_of_a_job_that_no_longer_exists_is_marked_failed() -> None:
    run = PeriodicRun.objects.create(job="gone.job", slot=NOW, worker="w1")
    periodic.execute(run.pk)
    run.refresh_from_db()
    assert run.status == PeriodicRun.Status.FAILED
    assert "gone.job" in run.error


@pytest.mark.django_db
def test_the_core_job_prunes_login_failures_older_than_a_day() -> None:
    slot = datetime(2025, 6, 18, 10, 0, tzinfo=UTC)
    old = LoginAttempt.objects.create(username="manager", at=slot - timedelta(days=1, minutes=1))
    recent = LoginAttempt.objects.create(username="manager", at=slot - timedelta(hours=23))
    assert jobs.prune_login_attempts(slot) == 1
    assert list(LoginAttempt.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LoginAttempt.objects.filter(pk=old.pk).exists()
