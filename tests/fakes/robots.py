"""A local stand-in for the 企业微信 / 钉钉 / 飞书 robot webhooks (domain-cn.md §4.5).

It listens on 127.0.0.1 (a free port), checks what the real services check — the WeCom key,
the DingTalk signature and timestamp (within 1 h), the Feishu signature and timestamp, the
robot's keyword — enforces each robot's documented rate limit and answers with the documented
error codes. Every request is recorded. Its clock is real time plus `offset`, which tests move
with `advance()` instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"
FEISHU_PREFIX = "/open-apis/bot/v2/hook/"

# (window seconds, messages per window) per robot, as documented.
LIMITS = {"wecom": ((60, 20),), "dingtalk": ((60, 20),), "feishu": ((60, 100), (1, 5))}
DINGTALK_BLOCK_SECONDS = 600  # "over that → throttled 10 min"

Answer = tuple[int, dict[str, Any] | bytes]


@dataclass
class Hook:
    kind: str
    token: str
    secret: str = ""
    keyword: str = ""
    forced: list[Answer] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)
    blocked_until: float = 0.0


@dataclass
class Received:
    """One request as the fake saw it, and what it answered."""

    kind: str
    token: str
    query: dict[str, str]
    body: dict[str, Any]
    status: int
    answer: dict[str, Any] | bytes

    @property
    def accepted(self) -> bool:
        if not isinstance(self.answer, dict):
            return False
        return self.answer.get("errcode", self.answer.get("code")) == 0

    @property
    def text(self) -> str:
        """The message content, whatever its type."""
        body = self.body
        if self.kind == "feishu":
            content = body.get("content", {})
            if body.get("msg_type") == "post":
                post = content.get("post", {}).get("zh_cn", {})
                lines = ["".join(e.get("text", "") for e in row) for row in post.get("content", [])]
                return "\n".join([post.get("title", ""), *lines])
            return content.get("text", "")
        section = body.get(body.get("msgtype", ""), {})
        return section.get("content") or section.get("text", "")


class FakeRobotServer:
    def __init__(self) -> None:
        self.hooks: dict[tuple[str, str], Hook] = {}
        self.received: list[Received] = []
        self.offset = 0.0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    # --- lifecycle and clock --------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    # --- robots ---------------------------------------------------------------------------

    def add_wecom(self) -> str:
        hook = self._add(Hook("wecom", secrets.token_hex(16)))
        return f"{self.base}{WECOM_PATH}?key={hook.token}"

    def add_dingtalk(self, *, secret: str = "", keyword: str = "") -> str:
        hook = self._add(Hook("dingtalk", secrets.token_hex(32), secret, keyword))
        return f"{self.base}{DINGTALK_PATH}?access_token={hook.token}"

    def add_feishu(self, *, secret: str = "", keyword: str = "") -> str:
        hook = self._add(Hook("feishu", secrets.token_hex(16), secret, keyword))
        return f"{self.base}{FEISHU_PREFIX}{hook.token}"

    def _add(self, hook: Hook) -> Hook:
        self.hooks[(hook.kind, hook.token)] = hook
        return hook

    def hook_for(self, url: str) -> Hook:
        kind, token = _route(url)
        return self.hooks[(kind, token)]

    def fail_next(self, url: str, *answers: Answer) -> None:
        """Answer the next requests to this robot with `answers` (status, JSON or raw bytes)."""
        self.hook_for(url).forced.extend(answers)

    def requests_to(self, url: str) -> list[Received]:
        kind, token = _route(url)
        return [r for r in self.received if (r.kind, r.token) == (kind, token)]

    def messages_to(self, url: str) -> list[Received]:
        """The accepted messages of one robot, in arrival order."""
        return [r for r in self.requests_to(url) if r.accepted]

    # --- answering ------------------------------------------------------------------------

    def answer(self, path: str, raw: bytes) -> tuple[int, dict[str, Any] | bytes]:
        kind, token = _route(path)
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        try:
            body = json.loads(raw.decode())
        except (UnicodeDecodeError, ValueError):
            body = {}
        with self._lock:
            status, answer = self._judge(kind, token, query, body)
            self.received.append(Received(kind, token, query, body, status, answer))
        return status, answer

    def _judge(self, kind: str, token: str, query: dict[str, str], body: dict[str, Any]) -> Answer:
        hook = self.hooks.get((kind, token))
        if hook is None:
            return 200, UNKNOWN.get(kind, {"errcode": 404})
        if hook.forced:
            return hook.forced.pop(0)
        problem = {"wecom": _check_wecom, "dingtalk": _check_dingtalk, "feishu": _check_feishu}[
            kind
        ](hook, query, body, self.now())
        if problem:
            return 200, problem
        if throttled := self._throttle(hook):
            return 200, throttled
        hook.accepted_at.append(self.now())
        return 200, OK[kind]

    def _throttle(self, hook: Hook) -> dict[str, Any] | None:
        now = self.now()
        if now < hook.blocked_until:
            return TOO_FAST[hook.kind]
        for window, limit in LIMITS[hook.kind]:
            if sum(1 for t in hook.accepted_at if t > now - window) >= limit:
                if hook.kind == "dingtalk":
                    hook.blocked_until = now + DINGTALK_BLOCK_SECONDS
                return TOO_FAST[hook.kind]
        return None


OK: dict[str, dict[str, Any]] = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}
UNKNOWN: dict[str, dict[str, Any]] = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake]"},
    "dingtalk": {"errcode": 300005, "errmsg": "token is not exist"},
    "feishu": {
        "code": 19001,
        "msg": "param invalid: incoming webhook access token invalid",
        "data": {},
    },
}
TOO_FAST: dict[str, dict[str, Any]] = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {
        "code": 11232,
        "msg": "frequency limited psm[lark.oapi.app_platform_runtime]",
        "data": {},
    },
}


def _route(path: str) -> tuple[str, str]:
    parts = urlsplit(path)
    query = parse_qs(parts.query)
    if parts.path == WECOM_PATH:
        return "wecom", query.get("key", [""])[0]
    if parts.path == DINGTALK_PATH:
        return "dingtalk", query.get("access_token", [""])[0]
    if parts.path.startswith(FEISHU_PREFIX):
        return "feishu", parts.path[len(FEISHU_PREFIX) :]
    return "unknown", ""


def _content(kind: str, body: dict[str, Any]) -> str:
    return Received(kind, "", {}, body, 200, {}).text


def _check_wecom(
    hook: Hook, query: dict[str, str], body: dict[str, Any], now: float
) -> dict[str, Any] | None:
    if body.get("msgtype") not in ("text", "markdown") or not _content("wecom", body):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    return None


def _check_dingtalk(
    hook: Hook, query: dict[str, str], body: dict[str, Any], now: float
) -> dict[str, Any] | None:
    if hook.secret:
        try:
            timestamp = int(query.get("timestamp", ""))
        except ValueError:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}
        if abs(now * 1000 - timestamp) > 3600 * 1000:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}
        digest = hmac.new(
            hook.secret.encode(), f"{timestamp}\n{hook.secret}".encode(), hashlib.sha256
        ).digest()
        if query.get("sign") != base64.b64encode(digest).decode():
            return {
                "errcode": 310000,
                "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com]",
            }
    if body.get("msgtype") not in ("text", "markdown"):
        return {"errcode": 40035, "errmsg": "缺少参数 json"}
    if hook.keyword and hook.keyword not in _content("dingtalk", body):
        return {"errcode": 310000, "errmsg": "keywords not in content"}
    return None


def _check_feishu(
    hook: Hook, query: dict[str, str], body: dict[str, Any], now: float
) -> dict[str, Any] | None:
    if hook.secret:
        try:
            timestamp = int(body.get("timestamp", ""))
        except ValueError:
            timestamp = 0
        digest = hmac.new(f"{timestamp}\n{hook.secret}".encode(), b"", hashlib.sha256).digest()
        if abs(now - timestamp) > 3600 or body.get("sign") != base64.b64encode(digest).decode():
            msg = "sign match fail or timestamp is not within one hour from current time"
            return {"code": 19021, "msg": msg, "data": {}}
    if body.get("msg_type") not in ("text", "post"):
        return {"code": 9499, "msg": "Bad Request", "data": {}}
    if hook.keyword and hook.keyword not in _content("feishu", body):
        return {"code": 19024, "msg": "Key Words Not Found", "data": {}}
    return None


def _handler_for(server: FakeRobotServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = server.answer(self.path, raw)
            payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def robot_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRobotServer]:
    """A running fake robot server; robot webhooks on it are accepted by the robot form."""
    server = FakeRobotServer()
    server.start()
    settings.ROBOT_EXTRA_HOSTS = ["127.0.0.1"]
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    yield server
    server.stop()
