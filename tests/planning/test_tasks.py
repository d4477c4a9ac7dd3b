"""Tasks: generated from review steps (open and close themselves), the board, the agenda, API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from mediadesk.content.models import Variant
from mediadesk.planning.models import AgendaCheck, Task
from mediadesk.review import services as review
from mediadesk.review.models import StepState
from tests.conftest import World, audit_actions

pytestmark = pytest.mark.django_db


def step(run: Any, order: int) -> StepState:
    return StepState.objects.select_related("step").get(run=run, order=order)


def test_a_review_step_waiting_for_legal_is_a_task_until_legal_approves(
    world: World, draft: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = review.submit_item(draft(), by=world.operator)
        review.approve_step(step(run, 1), by=world.planner)
        review.approve_step(step(run, 2), by=world.manager)
    task = Task.objects.get(owner=world.legal, status="open")
    assert task.source == "review_step" and task.important and task.urgent
    client = login(world.legal)
    assert task.title in client.get(reverse("planning:board")).content.decode()
    today = timezone.localdate().isoformat()
    agenda = client.get(f"/api/v1/agenda?date={today}").json()
    assert [e["title"] for e in agenda["items"]] == [task.title]
    with django_capture_on_commit_callbacks(execute=True):
        review.approve_step(step(run, 3), by=world.legal)
    task.refresh_from_db()
    assert task.status == "done" and task.closed_at is not None
    assert task.title not in client.get(reverse("planning:board")).content.decode()


def test_tasks_api_creates_moves_and_checks_access(world: World, api: Any, client: Any) -> None:
    mine = api(world.planner)
    due = (timezone.now() + dt.timedelta(hours=5)).isoformat()
    made = mine.post(
        "/api/v1/tasks", {"title": "写开盘软文", "due_at": due}, content_type="application/json"
    )
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {
        "id",
        "title",
        "owner",
        "due_at",
        "important",
        "urgent",
        "status",
        "source",
        "link",
    }
    assert body["urgent"] is True and body["important"] is False and body["source"] == "manual"
    moved = mine.patch(f"/api/v1/tasks/{body['id']}", {"important": True, "urgent": False},
                       content_type="application/json")  # fmt: skip
    assert moved.json()["important"] is True and moved.json()["urgent"] is False
    assert audit_actions("task", body["id"]) == ["task.create", "task.update"]
    assert api(world.operator).patch(f"/api/v1/tasks/{body['id']}", {"status": "done"},
                                     content_type="application/json").status_code == 404  # fmt: skip
    assert client.get("/api/v1/tasks").status_code == 401
    assert api(world.outsider).get("/api/v1/tasks").json()["count"] == 0
    other = mine.post(
        "/api/v1/tasks", {"title": "x", "owner": world.operator.pk}, content_type="application/json"
    )
    assert other.status_code == 403
    assert (
        mine.post("/api/v1/tasks", {"title": ""}, content_type="application/json").status_code
        == 422
    )
    assert Task.objects.count() == 1


def test_board_drag_endpoint_moves_between_quadrants(world: World, login: Any, client: Any) -> None:
    task = Task.objects.create(organisation=world.org, title="整理素材", owner=world.planner)
    url = reverse("planning:move", args=[task.pk])
    assert client.post(url, {"quadrant": "q1"}).status_code == 302  # anonymous → login
    c = login(world.planner)
    assert c.post(url, {"quadrant": "q9"}).status_code == 400
    assert c.post(url, {"quadrant": "q1"}).status_code == 200
    task.refresh_from_db()
    assert task.important and task.urgent
    c.force_login(world.operator, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    assert c.post(url, {"quadrant": "q4"}).status_code == 404


def test_agenda_lists_todays_posts_and_confirms_once(world: World, draft: Any, login: Any) -> None:
    item = draft()
    variant = Variant.objects.filter(item=item).first()
    assert variant is not None
    today_10 = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    Variant.objects.filter(item=item).update(planned_at=today_10, owner=world.operator)
    client = login(world.operator)
    page = client.get(reverse("planning:agenda"))
    assert page.status_code == 200 and item.title in page.content.decode()
    for _ in range(2):
        assert client.post(reverse("planning:confirm")).status_code == 302
    check = AgendaCheck.objects.get(user=world.operator)
    assert check.posts == Variant.objects.filter(item=item).count()
    assert audit_actions("agenda_check", check.pk) == ["agenda.confirm"]
    assert client.get("/").status_code == 200


def test_pages_need_login_and_the_permission(world: World, login: Any, client: Any) -> None:
    for name in ("planning:goals", "planning:board", "planning:agenda"):
        assert client.get(reverse(name)).status_code == 302
    broker_like = login(world.outsider)
    assert broker_like.get(reverse("planning:goals")).status_code == 200  # admin of its own org
