"""A local stand-in for the Weibo open API's comment endpoints (domain-cn §8.1, §8.4).

On 127.0.0.1 (a free port) it serves `GET /2/comments/to_me.json` (newest first, `since_id`,
`count` ≤ 200, `page`) and `POST /2/comments/reply.json` (`cid`, `id`, `comment` ≤ 140
characters), checks the access token (21332 unknown, 21327 expired), refuses the same reply
twice (20019), enforces a per-token hourly call limit (10023) and answers in Weibo's shapes.
Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class FakeWeibo:
    tokens: dict[str, str] = field(default_factory=dict)  # token -> "ok" | "expired"
    comments: list[dict[str, Any]] = field(default_factory=list)  # newest last
    replies: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    hourly_limit: int = 150
    calls: dict[str, int] = field(default_factory=dict)
    next_id: int = 4_900_000_000_000_000

    def __post_init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add_comment(self, text: str, *, weibo_id: str = "5001", user: str = "网友", followers: int = 10, reply_to: str = "") -> str:  # fmt: skip
        with self._lock:
            self.next_id += 1
            cid = str(self.next_id)
        comment: dict[str, Any] = {
            "id": int(cid), "idstr": cid, "text": text, "created_at": "Tue Mar 03 10:00:00 +0800 2026",
            "user": {"id": 1000 + len(self.comments), "idstr": str(1000 + len(self.comments)), "screen_name": user, "followers_count": followers},
            "status": {"id": int(weibo_id), "idstr": weibo_id},
        }  # fmt: skip
        if reply_to:
            comment["reply_comment"] = {"id": int(reply_to), "idstr": reply_to}
        self.comments.append(comment)
        return cid

    def answer(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, params))
        token = params.get("access_token", "")
        if self.tokens.get(token) is None:
            return 403, _error(21332, "invalid_access_token", path)
        if self.tokens[token] == "expired":
            return 403, _error(21327, "expired_token", path)
        self.calls[token] = self.calls.get(token, 0) + 1
        if self.calls[token] > self.hourly_limit:
            return 403, _error(10023, "User requests out of rate limit!", path)
        if method == "GET" and path == "/2/comments/to_me.json":
            return 200, self._to_me(params)
        if method == "POST" and path == "/2/comments/reply.json":
            return self._reply(params)
        return 404, _error(10014, "Insufficient app permissions!", path)

    def _to_me(self, params: dict[str, str]) -> dict[str, Any]:
        since = int(params.get("since_id") or 0)
        count = min(int(params.get("count") or 50), 200)
        page = max(int(params.get("page") or 1), 1)
        newest_first = [c for c in reversed(self.comments) if c["id"] > since]
        chunk = newest_first[(page - 1) * count : page * count]
        return {"comments": chunk, "total_number": len(newest_first), "previous_cursor": 0, "next_cursor": 0}  # fmt: skip

    def _reply(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        text = params.get("comment", "")
        if not text or len(text) > 140:
            return 400, _error(20008, "content is null or too long", "/2/comments/reply.json")
        if any(r["cid"] == params.get("cid") and r["comment"] == text for r in self.replies):
            return 400, _error(20019, "repeat content!", "/2/comments/reply.json")
        if not any(c["idstr"] == params.get("cid") for c in self.comments):
            return 400, _error(20101, "target weibo does not exist!", "/2/comments/reply.json")
        self.replies.append(
            {"cid": params.get("cid", ""), "id": params.get("id", ""), "comment": text}
        )
        with self._lock:
            self.next_id += 1
            rid = self.next_id
        return 200, {"id": rid, "idstr": str(rid), "text": text}


def _error(code: int, message: str, path: str) -> dict[str, Any]:
    return {"error": message, "error_code": code, "request": path}


def _handler_for(server: FakeWeibo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _respond(self, method: str, params: dict[str, str]) -> None:
            status, answer = server.answer(method, urlsplit(self.path).path, params)
            payload = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            self._respond("GET", {k: v[0] for k, v in query.items()})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            self._respond("POST", {k: v[0] for k, v in parse_qs(raw).items()})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def weibo_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeibo]:
    """A running fake Weibo API; settings.WEIBO_API_BASE points at it."""
    server = FakeWeibo()
    server.start()
    settings.WEIBO_API_BASE = server.base
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    yield server
    server.stop()
