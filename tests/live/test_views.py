"""Live pages: anonymous, wrong role, other scope, permitted; the home card; Excel export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db
PAGES = [
    "/live/",
    "/live/scripts/",
    "/live/ranking/",
    "/live/plan.xlsx",
    "/live/dashboard/",
    "/live/figures/import/",
    "/live/scripts/new/",
]


def test_anonymous_is_sent_to_login(client, world) -> None:  # type: ignore[no-untyped-def]
    for url in PAGES:
        assert client.get(url).status_code == 302


def test_wrong_role_gets_403(login, world) -> None:  # type: ignore[no-untyped-def]
    c = login(world.sales_a)
    for url in PAGES:
        assert c.get(url).status_code == 403


def test_other_scope_gets_404_on_a_session(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = login(world.operator_cd)
    assert c.get(f"/live/sessions/{session.pk}/").status_code == 404
    assert c.get(f"/live/sessions/{session.pk}/console/").status_code == 404
    assert (
        c.post(f"/live/sessions/{session.pk}/capture/", {"phone": "13800138000"}).status_code == 404
    )


def test_permitted_pages_render(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = login(world.operator)
    r = c.get("/live/?month=2030-03")
    assert r.status_code == 200 and "曲江府开盘" in r.content.decode()
    for url in [
        *PAGES[1:],
        f"/live/sessions/{session.pk}/",
        f"/live/sessions/{session.pk}/console/",
    ]:
        assert c.get(url).status_code == 200, url
    xlsx = c.get("/live/plan.xlsx?month=2030-03")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_home_lists_sessions_within_24h_that_are_not_ready(login, world, account) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now() + dt.timedelta(hours=5)
    make_session(world, account, title="今晚直播", planned_start=start,
                 planned_end=start + dt.timedelta(hours=2))  # fmt: skip
    body = login(world.operator).get("/").content.decode()
    assert "live-not-ready" in body and "今晚直播" in body
    assert "live-not-ready" not in login(world.operator_cd).get("/").content.decode()


def test_menu_replaces_the_placeholder(login, world) -> None:  # type: ignore[no-untyped-def]
    body = login(world.operator).get("/").content.decode()
    assert 'href="/live/"' in body
