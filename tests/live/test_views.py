"""Live pages: anonymous, wrong role, other scope, permitted; the home card; Excel export."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    assert 'data-testid="card-live_not_ready"' in body and "今晚直播" in body
    other = login(world.operator_cd).get("/").content.decode()
    assert 'data-testid="card-live_not_ready"' in other and "今晚直播" not in other


def _card_figures(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    cards = [
        ctx["cockpit"] for _c, ctx in client.get("/").context["plug_cards"] if "cockpit" in ctx
    ]
    return {f.label: f for c in cards if c.key == "live_not_ready" for f in c.figures}


def test_card_numbers_equal_the_lists_they_link_to(login, world, account) -> None:  # type: ignore[no-untyped-def]
    """Within 24 h: one not ready, one ready, one cancelled; one in 30 h; one of another scope."""
    now = timezone.now()

    def session(title: str, hours: float, **kw: Any) -> Any:
        start = now + dt.timedelta(hours=hours)
        return make_session(world, account, title=title, planned_start=start,
                            planned_end=start + dt.timedelta(hours=2), **kw)  # fmt: skip

    session("未就绪", 3)
    ready = session("已就绪", 6)
    ready.checklist.update(done=True)
    cancelled = session("已取消", 8)
    type(cancelled).objects.filter(pk=cancelled.pk).update(status="cancelled")
    session("后天", 30)
    client = login(world.operator)
    figures = _card_figures(client)
    soon, unready = figures["24 小时内开播"], figures["未准备好"]
    assert (soon.value, unready.value) == (2, 1)
    for figure in (soon, unready):
        page = client.get(figure.url)
        assert page.context["page"].paginator.count == figure.value
    assert "未就绪" in client.get(unready.url).content.decode()
    assert "已就绪" not in client.get(unready.url).content.decode()
    assert _card_figures(login(world.operator_cd))["24 小时内开播"].value == 0


def test_menu_replaces_the_placeholder(login, world) -> None:  # type: ignore[no-untyped-def]
    body = login(world.operator).get("/").content.decode()
    assert 'href="/live/"' in body
