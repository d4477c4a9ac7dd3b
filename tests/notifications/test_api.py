"""The notifications API: the inbox answers the page's rows; marking read through the API
changes what the page's buttons change; robots are for their managers and never leak secrets."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.notifications.models import Notification
from tests.api.parity import assert_same_rows
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(world: World) -> list[Notification]:
    rows = [Notification.objects.create(recipient=world.planner, kind=kind, title=f"通知{i}")
            for i, kind in enumerate(["review.waiting", "leads.assigned", "review.waiting"])]  # fmt: skip
    rows.append(Notification.objects.create(recipient=world.sales_a, kind="x", title="别人的"))
    return rows


def test_the_inbox_and_the_api_answer_the_same_rows(
    world: World, login: Any, api: Any, notes: list[Notification]
) -> None:
    notes[0].read_at = notes[0].created_at
    notes[0].save()
    cases = [{}, {"show": "unread"}, {"kind": "review.waiting"}, {"show": "all"}]
    for user in (world.planner, world.sales_a, world.manager):
        assert_same_rows(login(user), api(user), "/notifications/", "/api/v1/notifications", cases,
                         limit=20)  # fmt: skip
    items = api(world.planner).get("/api/v1/notifications", {"show": "unread"}).json()["items"]
    assert [i["title"] for i in items] == ["通知2", "通知1"]


def test_marking_read_through_the_api_is_what_the_page_does(
    world: World, login: Any, api: Any, notes: list[Notification]
) -> None:
    login(world.planner).post(f"/notifications/{notes[0].pk}/read/")
    answer = api(world.planner).post(f"/api/v1/notifications/{notes[1].pk}/read")
    assert answer.status_code == 200 and answer.json()["read_at"]
    read = Notification.objects.filter(pk__in=[notes[0].pk, notes[1].pk], read_at__isnull=False)
    assert read.count() == 2
    other = api(world.planner).post(f"/api/v1/notifications/{notes[3].pk}/read")
    assert other.status_code == 404
    assert Notification.objects.get(pk=notes[3].pk).read_at is None
    done = api(world.planner).post("/api/v1/notifications/read-all")
    assert done.json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=world.planner, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=notes[3].pk).read_at is None


def test_robots_are_listed_for_their_managers_only(world: World, login: Any, api: Any) -> None:
    from mediadesk.notifications import services

    robot = services.save_robot(
        None, by=world.admin, organisation=world.org,
        values={"name": "客资群", "kind": "wecom",
                "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-1",
                "secret": "", "keyword": "", "fmt": "text", "event_kinds": [], "enabled": True},
    )  # fmt: skip
    for user in (world.admin, world.sales_a, world.planner):
        for page_url, api_url in (("/notifications/robots/", "/api/v1/notifications/robots"),
                                  ("/notifications/deliveries/", "/api/v1/notifications/deliveries")):  # fmt: skip
            assert_same_rows(login(user), api(user), page_url, api_url, [{}, {"kind": "wecom"}],
                             limit=20)  # fmt: skip
    body = api(world.admin).get("/api/v1/notifications/robots").content.decode()
    assert str(robot.pk) in body and "secret-key-1" not in body
