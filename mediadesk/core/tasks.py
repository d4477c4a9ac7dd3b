"""Background tasks of the core: running a claimed periodic slot."""

from __future__ import annotations

from django.tasks import task

from mediadesk.core import context, periodic


@task()
def run_periodic_job(run_id: int) -> None:
    with context.acting_from("task"):
        periodic.execute(run_id)
