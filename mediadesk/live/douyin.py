"""T+1 pull of a Douyin live session's figures (domain-cn §7.4): the live-room data API gives
a room's base, audience and interaction figures the next morning, with the scopes
live.room.base / live.room.audience / live.room.interactive. The account's Douyin OAuth
connection is publishing's (token refresh included); base URL from DOUYIN_API_BASE.

Idempotent: a session pulled once is not pulled again, and the same figures change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mediadesk.live.models import FiguresPull, Session, Status

ROOMS = "/room/data/room_id/get/"
PARTS = ("/room/data/base/get/", "/room/data/audience/get/", "/room/data/interactive/get/")
STATS = {
    "watch_ucnt": "viewers", "watch_cnt": "views", "max_online_ucnt": "peak_online",
    "avg_online": "avg_online", "avg_watch_duration": "avg_watch_seconds",
    "follow_anchor_ucnt": "new_followers", "new_group_fans": "fan_club_joins",
    "comment_ucnt": "commenters", "comment_cnt": "comments", "like_cnt": "likes",
    "share_cnt": "shares", "total_leads": "leads",
}  # fmt: skip
NO_SCOPE = "2190004"
MATCH_WINDOW = dt.timedelta(hours=1)
MAX_ATTEMPTS = 12


def _connection(session: Session) -> Any:
    from mediadesk.publishing.models import Connection, ConnectionStatus

    return Connection.objects.filter(
        account_id=session.account_id, status=ConnectionStatus.CONNECTED
    ).first()


def _room_id(conn: Any, session: Session) -> str:
    """The room of the session: the anchor's room that started within an hour of it."""
    from mediadesk.publishing.connectors import douyin

    start = session.actual_start or session.planned_start
    day = timezone.localtime(start).date().isoformat()
    rooms = douyin.call(conn, "GET", ROOMS, params={"date": day}).get("list") or []
    for room in rooms:
        begun = dt.datetime.fromtimestamp(int(room.get("start_time", 0)), tz=dt.UTC)
        if abs(begun - start) <= MATCH_WINDOW:
            return str(room.get("room_id", ""))
    return ""


def _figures(conn: Any, room_id: str) -> dict[str, int] | None:
    """The room's figures, or None when Douyin has not produced them yet."""
    from mediadesk.publishing.connectors import douyin

    values: dict[str, int] = {}
    for path in PARTS:
        data = douyin.call(conn, "GET", path, params={"room_id": room_id, "live_id": 1})
        if any(not s.get("ready", True) for s in data.get("data_ready_status") or []):
            return None
        for stat in data.get("stats") or []:
            key = STATS.get(str(stat.get("name")))
            if key is not None and stat.get("value") is not None:
                values[key] = max(0, int(stat["value"]))
    return values


def pull_session(session: Session) -> str:
    """Pull one session's figures; returns the pull's state."""
    from mediadesk.live import services
    from mediadesk.publishing.connectors.base import PlatformError

    conn = _connection(session)
    if conn is None:
        return "no_connection"
    pull, _created = FiguresPull.objects.get_or_create(session=session)
    if pull.state in (FiguresPull.State.DONE, FiguresPull.State.NO_SCOPE):
        return pull.state
    pull.attempts += 1
    try:
        pull.room_id = pull.room_id or _room_id(conn, session)
        values = _figures(conn, pull.room_id) if pull.room_id else None
        if values is not None:
            services.save_figures(session, by=session.created_by, values=values, source="douyin")
            pull.state, pull.pulled_at, pull.last_error = FiguresPull.State.DONE, timezone.now(), ""
        else:
            pull.last_error = "" if pull.room_id else "未找到对应的直播间"
    except PlatformError as exc:
        pull.last_error = exc.message[:300]
        if exc.code == NO_SCOPE:
            pull.state = FiguresPull.State.NO_SCOPE
        elif not exc.transient:
            pull.state = FiguresPull.State.FAILED
    except Exception as exc:  # a bad row (e.g. peak above viewers) fails this pull only
        pull.last_error, pull.state = str(exc)[:300], FiguresPull.State.FAILED
    if pull.state == FiguresPull.State.WAITING and pull.attempts >= MAX_ATTEMPTS:
        pull.state = FiguresPull.State.FAILED
    pull.save()
    return pull.state


def due_sessions(now: dt.datetime) -> Any:
    """Douyin sessions that ended before today (T+1) within the last 3 days, not yet pulled."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Session.objects.filter(
            status__in=[Status.ENDED, Status.REVIEWED], account__platform__code="douyin",
            planned_end__lt=today, planned_end__gte=today - dt.timedelta(days=3),
            account__connection__isnull=False,
        )
        .exclude(pull__state__in=[FiguresPull.State.DONE, FiguresPull.State.NO_SCOPE,
                                  FiguresPull.State.FAILED])
        .select_related("account", "created_by", "project")
    )  # fmt: skip


def pull_due(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job's work: pull every due session (counts per resulting state)."""
    out: dict[str, int] = {}
    for session in due_sessions(now or timezone.now())[:200]:
        state = pull_session(session)
        out[state] = out.get(state, 0) + 1
    return out
