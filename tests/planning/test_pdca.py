"""PDCA cycles and meetings: Do/Check filled from the data, decisions and action items become
tasks, decisions carry into the next cycle's plan, the agenda comes from the cycle; bad input
names the problem and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.live import services as live
from mediadesk.planning.models import Decision, Meeting, PdcaCycle, Task
from tests.conftest import World, audit_actions
from tests.live.conftest import at, make_session

pytestmark = pytest.mark.django_db


def _cycle(client: Any, **extra: str) -> Any:
    body = {"name": "三月复盘", "start": "2030-03-01", "end": "2030-03-31", **extra}
    return client.post(reverse("planning:pdca_list"), body)


def test_a_cycle_shows_what_was_done_and_decisions_become_tasks(
    world: World, account: Any, login: Any
) -> None:
    session = make_session(
        world, account, planned_start=at(2030, 3, 4), planned_end=at(2030, 3, 4, 17)
    )
    for to in ("preparing", "live", "ended"):
        session = live.change_status(session, by=world.operator, to=to)
    client = login(world.manager)
    assert _cycle(client).status_code == 302
    cycle = PdcaCycle.objects.get()
    page = client.get(reverse("planning:pdca", args=[cycle.pk])).content.decode()
    do = page.split('data-testid="pdca-do"')[1].split('data-testid="pdca-check"')[0]
    assert "曲江府开盘" in do and f"/live/sessions/{session.pk}/" in do
    response = client.post(reverse("planning:pdca_decide", args=[cycle.pk]), {
        "kind": "platform", "text": "加大抖音直播投入", "owner": world.operator.pk, "due": "2030-04-05"})  # fmt: skip
    assert response.status_code == 302
    decision = Decision.objects.get()
    task = Task.objects.get(pk=decision.task_id)
    assert (task.owner, task.title, task.important) == (world.operator, "加大抖音直播投入", True)
    assert task.link == f"/planning/pdca/{cycle.pk}/"
    assert audit_actions("pdca_cycle", cycle.pk) == ["pdca.create", "pdca.decision"]
    assert _cycle(client, name="四月", start="2030-04-01", end="2030-04-30",
                  previous=str(cycle.pk)).status_code == 302  # fmt: skip
    following = PdcaCycle.objects.get(name="四月")
    assert "加大抖音直播投入" in following.plan_notes and following.previous == cycle


def test_a_meeting_takes_its_agenda_from_the_cycle_and_action_items_become_tasks(
    world: World, login: Any
) -> None:
    client = login(world.manager)
    _cycle(client)
    cycle = PdcaCycle.objects.get()
    client.post(
        reverse("planning:pdca_decide", args=[cycle.pk]),
        {"kind": "process", "text": "三审改为 24 小时内"},
    )
    response = client.post(reverse("planning:meetings"), {
        "title": "周例会", "kind": "weekly", "held_on": "2030-03-09", "cycle": cycle.pk,
        "attendees": [world.planner.pk, world.operator.pk]})  # fmt: skip
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and "三审改为 24 小时内" in meeting.agenda
    assert set(meeting.attendees.all()) == {world.planner, world.operator}
    client.post(reverse("planning:meeting_item", args=[meeting.pk]),
                {"text": "补拍样板间视频", "owner": world.planner.pk, "due": "2030-03-12"})  # fmt: skip
    assert Task.objects.get(owner=world.planner).title == "补拍样板间视频"
    page = client.get(reverse("planning:meeting", args=[meeting.pk])).content.decode()
    assert page.count('data-testid="decision"') == 1
    assert audit_actions("meeting", meeting.pk) == ["meeting.create", "pdca.decision"]


def test_bad_cycle_and_meeting_input_writes_nothing(world: World, login: Any) -> None:
    client = login(world.manager)
    bad = _cycle(client, end="2030-02-01")
    assert bad.status_code == 400 and "结束日期早于开始日期" in bad.content.decode()
    assert (
        client.post(reverse("planning:meetings"), {"title": " ", "held_on": ""}).status_code == 400
    )
    assert not PdcaCycle.objects.exists() and not Meeting.objects.exists()
    _cycle(client)
    cycle = PdcaCycle.objects.get()
    empty = client.post(reverse("planning:pdca_decide", args=[cycle.pk]), {"text": ""})
    assert empty.status_code == 400 and not Decision.objects.exists()


def test_pdca_access(world: World, login: Any, client: Any) -> None:
    _cycle(login(world.manager))
    cycle = PdcaCycle.objects.get()
    assert login(world.planner).get(reverse("planning:pdca", args=[cycle.pk])).status_code == 200
    assert login(world.planner).post(reverse("planning:pdca_decide", args=[cycle.pk]),
                                     {"text": "x"}).status_code == 403  # fmt: skip
    assert _cycle(login(world.planner)).status_code == 403
    assert login(world.outsider).get(reverse("planning:pdca", args=[cycle.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("planning:meetings")).status_code == 302
    assert PdcaCycle.objects.count() == 1 and not Decision.objects.exists()
