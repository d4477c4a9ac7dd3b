"""The 工作台 cockpit on the demo data: each demo role sees its cards, and every number on a
card equals the length of the list it links to (the other figures link to a working page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from mediadesk.core import cockpit
from mediadesk.core.cockpit import Figure
from mediadesk.orgs import demo
from mediadesk.orgs.models import User

PLANNING = {
    "my_agenda",
    "goals_at_risk",
}  # every role with planning.view: today's agenda, my risky goals
CARDS = {
    "admin": {"lead_kpis", "analytics", "content_kpis", "review_stuck", "commissions",
              "publishing", "engagement", *PLANNING},
    "manager": {"reviewer", "lead_kpis", "analytics", "content_kpis", "review_stuck",
                "commissions", "publishing", "engagement", "live_not_ready", *PLANNING},
    "planner": {"planner", "reviewer", "review_stuck", "publishing", "engagement", *PLANNING},
    "legal": {"reviewer", "publishing", "engagement", *PLANNING},
    "operator": {"operator", "publishing", "engagement", "live_not_ready", *PLANNING},
    "anchor": {"capture", "live_not_ready", *PLANNING},
    "service": {"capture", "engagement", *PLANNING},
    "analyst": {"analytics", "publishing", "engagement", *PLANNING},
    "sales": {"sales", *PLANNING},
    "channel": {"channel", *PLANNING},
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo loaded once for the module, inside a transaction rolled back at its end
    (each test then runs in a savepoint of it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo.load()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username),
                       backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")  # fmt: skip
    return client


def list_length(client: Client, url: str) -> int:
    """How many rows the list page at `url` shows over all its pages."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.context["page"]
    if hasattr(page, "paginator"):
        return int(page.paginator.count)
    total, number = len(page), 1  # a count-free pager: walk it
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    while page.has_next:
        number += 1
        page = client.get(path, {**query, "page": number}).context["page"]
        total += len(page)
    return total


def _figures(client: Client) -> dict[str, list[Figure]]:
    response = client.get("/")
    assert response.status_code == 200
    shown = [ctx for _card, ctx in response.context["plug_cards"] if "cockpit" in ctx]
    return {ctx["cockpit"].key: ctx["cockpit"].figures for ctx in shown}


@pytest.mark.parametrize("username", sorted(CARDS))
def test_each_demo_role_sees_its_cards_and_every_number_is_its_lists_length(
    demo_data: None, db: Any, username: str
) -> None:
    client = _client(username)
    cards = _figures(client)
    assert set(cards) == CARDS[username]
    for key, figures in cards.items():
        for figure in figures:
            if figure.counted:
                assert list_length(client, figure.url) == figure.value, (key, figure)
            else:
                assert client.get(figure.url).status_code == 200, (key, figure)


def test_the_demo_gives_the_cards_something_to_show(demo_data: None, db: Any) -> None:
    """Not a wall of zeros: the cards of the main roles count real rows."""
    for username in ("manager", "planner", "sales", "channel", "analyst"):
        counted = [f for fs in _figures(_client(username)).values() for f in fs if f.counted]
        assert any(int(f.value) > 0 for f in counted), username


def test_brokers_still_go_to_their_portal(demo_data: None, db: Any) -> None:
    broker = User.objects.filter(broker__isnull=False).first()
    assert broker is not None
    client = Client()
    client.force_login(broker, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    assert client.get("/").status_code == 302


def test_change_reads_as_people_write_it() -> None:
    assert cockpit.change(112, 100) == "环比 +12.0%"
    assert cockpit.change(97, 100) == "环比 −3.0%"
    assert cockpit.change(100, 100) == "环比持平"
    assert cockpit.change(5, 0) == "上期无数据"
    assert cockpit.change(None, 3) == "上期无数据"


def test_shipped_areas_are_no_longer_coming_soon(demo_data: None, db: Any) -> None:
    page = _client("manager").get("/").content.decode()
    for shipped in ("content", "analytics", "leads", "live", "engagement", "goals"):
        assert f"/soon/{shipped}/" not in page
