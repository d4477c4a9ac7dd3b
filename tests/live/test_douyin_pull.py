"""Douyin T+1 pull of session figures against the fake live-room data API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mediadesk.live import douyin, services
from mediadesk.live.models import Figures, FiguresPull
from mediadesk.publishing import services as publishing
from tests.conftest import audit_actions
from tests.fakes.douyin_live import FakeDouyinLive
from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db
STATS = {"watch_ucnt": 12000, "watch_cnt": 30000, "max_online_ucnt": 800, "total_leads": 96,
         "follow_anchor_ucnt": 300, "comment_ucnt": 450, "comment_cnt": 900}  # fmt: skip


def _ended_yesterday(world, account, fake: FakeDouyinLive):  # type: ignore[no-untyped-def]
    open_id, token, refresh = fake.add_user()
    publishing.connect_account(account, by=world.admin, values={
        "access_token": token, "refresh_token": refresh, "open_id": open_id,
        "expires_at": (timezone.now() + dt.timedelta(days=10)).isoformat()})  # fmt: skip
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=1)
    session = make_session(world, account, planned_start=start,
                           planned_end=start + dt.timedelta(hours=2))  # fmt: skip
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    session.actual_start = start + dt.timedelta(minutes=3)
    session.save(update_fields=["actual_start"])
    return session, open_id


def test_pull_fills_figures_the_next_day_and_is_idempotent(world, account, douyin_live) -> None:  # type: ignore[no-untyped-def]
    session, open_id = _ended_yesterday(world, account, douyin_live)
    room = douyin_live.add_room(open_id, session.planned_start.timestamp() + 60, STATS)
    douyin_live.not_ready.add(room)
    assert douyin.pull_due() == {"waiting": 1}  # T+1 data not produced yet
    assert not Figures.objects.filter(session=session).exists()
    douyin_live.not_ready.clear()
    assert douyin.pull_due() == {"done": 1}
    f = Figures.objects.get(session=session)
    assert (f.viewers, f.views, f.peak_online, f.leads, f.source) == (
        12000,
        30000,
        800,
        96,
        "douyin",
    )
    assert FiguresPull.objects.get(session=session).room_id == room
    assert douyin.pull_due() == {}  # pulled once: not again
    assert douyin.pull_session(session) == "done"
    assert audit_actions("live_session", session.pk).count("live_session.figures") == 1


def test_pull_without_the_live_scope_stops_with_a_clear_state(world, account, douyin_live) -> None:  # type: ignore[no-untyped-def]
    session, open_id = _ended_yesterday(world, account, douyin_live)
    douyin_live.no_scope.add(open_id)
    assert douyin.pull_due() == {"no_scope": 1}
    pull = FiguresPull.objects.get(session=session)
    assert "权限" in pull.last_error and not Figures.objects.filter(session=session).exists()
    assert douyin.pull_due() == {}


def test_pull_refreshes_an_expired_token_and_skips_accounts_without_connection(
    world, account, chengdu_account, douyin_live
) -> None:  # type: ignore[no-untyped-def]
    session, open_id = _ended_yesterday(world, account, douyin_live)
    douyin_live.add_room(open_id, session.planned_start.timestamp(), STATS)
    douyin_live.expired.update(douyin_live.tokens)
    assert douyin.pull_due() == {"done": 1}
    assert Figures.objects.get(session=session).viewers == 12000
    other = services.create_session(by=world.operator_cd, account=chengdu_account, title="天府",
                                    planned_start=session.planned_start,
                                    planned_end=session.planned_end)  # fmt: skip
    assert douyin.pull_session(other) == "no_connection"


def test_pull_is_a_registered_periodic_job() -> None:
    from mediadesk.core.periodic import JOBS

    assert "live.douyin_figures" in JOBS
