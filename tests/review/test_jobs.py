"""Reminders: overdue pending steps are flagged and re-notified once per period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.core.periodic import JOBS
from mediadesk.notifications.models import Notification
from mediadesk.review import services
from mediadesk.review.models import StepState
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db


def reminders(user: Any) -> int:
    return Notification.objects.filter(recipient=user, kind="review.reminder").count()


def test_overdue_steps_are_flagged_and_notified_once_per_period(
    login: Any, world: Any, draft: Any
) -> None:
    run = services.submit_item(draft(), by=world.operator)
    now = timezone.now()
    StepState.objects.filter(run=run, order=1).update(started_at=now - timedelta(hours=25))
    assert services.remind_overdue(now=now) == 1
    assert reminders(world.planner) == 1 and reminders(world.operator) == 0
    assert services.remind_overdue(now=now + timedelta(hours=1)) == 0
    assert reminders(world.planner) == 1
    assert services.remind_overdue(now=now + timedelta(hours=24)) == 1
    assert reminders(world.planner) == 2
    assert audit_actions("review_run", run.pk).count("review.remind") == 2
    page = login(world.planner).get("/review/?overdue=1").content.decode()
    assert 'data-testid="overdue"' in page and "曲江府园林开放" in page


def test_threshold_comes_from_the_workflow(world: Any, draft: Any) -> None:
    workflow = services.default_workflow(world.org)
    workflow.remind_after_hours = 48
    workflow.save()
    run = services.submit_item(draft(), by=world.operator)
    now = timezone.now()
    StepState.objects.filter(run=run, order=1).update(started_at=now - timedelta(hours=30))
    assert services.remind_overdue(now=now) == 0
    assert services.remind_overdue(now=now + timedelta(hours=20)) == 1


def test_job_is_registered_and_skips_finished_runs(world: Any, draft: Any) -> None:
    job = JOBS["review.remind_overdue"]
    run = services.submit_item(draft(), by=world.operator)
    StepState.objects.filter(run=run, order=1).update(started_at=timezone.now() - timedelta(days=3))
    services.request_changes(
        StepState.objects.get(run=run, order=1), by=world.planner, comment="改"
    )
    assert job.func(timezone.now()) == 0
    assert reminders(world.planner) == 0
