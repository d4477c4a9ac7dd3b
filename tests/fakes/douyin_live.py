"""Douyin's live-room data API (domain-cn §7.4) on 127.0.0.1, on top of the Douyin fake:
`/room/data/room_id/get/` (the anchor's rooms of a day), `/room/data/base|audience|interactive/get/`
answering `stats[]` of `{name, value}` plus `data_ready_status[]` (T+1: not ready until the data
is produced). Errors as Douyin's: 2190002 unknown token, 2190004 without the live.room.* scopes,
2190008 expired token."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.platforms import FakeDouyin

PARTS = {
    "/room/data/base/get/": ("follow_anchor_ucnt", "new_group_fans", "total_leads"),
    "/room/data/audience/get/": ("watch_ucnt", "watch_cnt", "max_online_ucnt", "avg_online",
                                 "avg_watch_duration"),
    "/room/data/interactive/get/": ("comment_ucnt", "comment_cnt", "like_cnt", "share_cnt"),
}  # fmt: skip


class FakeDouyinLive(FakeDouyin):
    def __init__(self) -> None:
        super().__init__()
        self.rooms: dict[str, list[dict[str, Any]]] = {}  # open_id → rooms
        self.stats: dict[str, dict[str, int]] = {}  # room_id → stat name → value
        self.not_ready: set[str] = set()
        self.no_scope: set[str] = set()  # open_ids without live.room.* scopes

    def add_room(self, open_id: str, start: float, stats: dict[str, int]) -> str:
        room_id = "7" + secrets.token_hex(8)
        self.rooms.setdefault(open_id, []).append({"room_id": room_id, "start_time": int(start)})
        self.stats[room_id] = stats
        return room_id

    def route(self, method: str, path: str, query: dict[str, str], headers: Any,
              body: Any) -> dict[str, Any]:  # fmt: skip
        if not path.startswith("/room/"):
            return super().route(method, path, query, headers, body)
        token = headers.get("access-token", "")
        if token in self.expired:
            return self.error(2190008)
        open_id = self.tokens.get(token)
        if open_id is None or open_id != query.get("open_id"):
            return self.error(2190002)
        if open_id in self.no_scope:
            return self.error(2190004)
        if path == "/room/data/room_id/get/":
            return {"data": {"error_code": 0, "list": self.rooms.get(open_id, [])}}
        room = query.get("room_id", "")
        if path not in PARTS or room not in self.stats:
            return self.error(2100005)
        ready = room not in self.not_ready
        stats = [{"name": n, "value": self.stats[room][n], "value_float": float(self.stats[room][n]),
                  "timeslot": 0} for n in PARTS[path] if n in self.stats[room] and ready]  # fmt: skip
        return {"data": {"error_code": 0, "stats": stats,
                         "data_ready_status": [{"name": path, "ready": ready}]}}  # fmt: skip


@pytest.fixture
def douyin_live(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDouyinLive]:
    fake = FakeDouyinLive().start()
    settings.DOUYIN_API_BASE = fake.base
    settings.PUBLISHING_HTTP_TIMEOUT = 1
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    yield fake
    fake.stop()
