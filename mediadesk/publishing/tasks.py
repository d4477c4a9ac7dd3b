"""Background tasks of publishing: they take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from mediadesk.core import context
from mediadesk.publishing import engine


@task()
def publish_jobs(job_ids: list[int]) -> list[str]:
    """Claim and run a chunk of due jobs (a job another worker holds is skipped)."""
    with context.acting_from("task"):
        return engine.run_jobs(job_ids)


@task()
def poll_job(job_id: int) -> str:
    with context.acting_from("task"):
        return engine.poll(job_id)
