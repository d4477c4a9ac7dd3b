"""Local stand-ins for the WeChat Official Account, Weibo and Douyin open APIs (domain-cn §4, §3).

Each listens on 127.0.0.1 (a free port), speaks the documented paths, parameters and error
codes, keeps what was posted (`posts`), and can be told to misbehave for the next matching
calls with `fail_next(path, *modes)`:

- ``("timeout",)``: hold the request past the client's timeout, then drop it (nothing kept);
- ``("status", 502)``: answer with that HTTP status;
- ``("code", 40164)``: answer with that platform error code (``("code", 21327, 403)``: with
  that HTTP status too);
- ``("drop",)``: accept the request — the post is kept — then close without answering;
- ``("slow", 0.3)``: answer correctly after a delay.

The servers are threaded, so several worker processes can post at once (the benchmark).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

Mode = tuple[Any, ...]
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: Any
    answered: str


@dataclass
class Post:
    """One post that exists on the platform."""

    account: str
    id: str
    title: str
    text: str
    created: float
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Dropped(Exception):
    """Close the connection without answering."""


class FakePlatform:
    """The HTTP plumbing, failure injection and call log shared by the three fakes."""

    timeout_hold = 2.0  # seconds a "timeout" holds the request (tests set a shorter client timeout)

    def __init__(self, port: int = 0) -> None:
        self.calls: list[Call] = []
        self.posts: list[Post] = []
        self.forced: list[tuple[str, Mode]] = []
        self.lock = threading.RLock()
        self._httpd = _Server(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, path: str, *modes: Mode) -> None:
        """The next calls whose path ends with `path` misbehave as `modes` say, in order."""
        with self.lock:
            self.forced.extend((path, mode) for mode in modes)

    def live_posts(self, account: str | None = None) -> list[Post]:
        return [p for p in self.posts if not p.deleted and account in (None, p.account)]

    def _forced(self, path: str) -> Mode | None:
        with self.lock:
            for i, (suffix, mode) in enumerate(self.forced):
                if path.endswith(suffix):
                    del self.forced[i]
                    return mode
        return None

    def handle(self, method: str, raw_path: str, headers: Any, raw: bytes) -> tuple[int, bytes]:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = _body(headers.get("Content-Type", ""), raw)
        mode = self._forced(parts.path)
        if mode and mode[0] == "timeout":
            time.sleep(self.timeout_hold)
            raise Dropped
        if mode and mode[0] == "slow":
            time.sleep(float(mode[1]))
        if mode and mode[0] == "status":
            self.calls.append(Call(parts.path, query, body, f"http {mode[1]}"))
            return int(mode[1]), b'{"errmsg":"server error"}'
        if mode and mode[0] == "code":
            answer = self.error(int(mode[1]))
        else:
            with self.lock:
                answer = self.route(method, parts.path, query, headers, body)
        self.calls.append(Call(parts.path, query, body, json.dumps(answer, ensure_ascii=False)))
        if mode and mode[0] == "drop":
            raise Dropped
        status = int(mode[2]) if mode and mode[0] == "code" and len(mode) > 2 else None
        return status or self.status_for(answer), json.dumps(answer, ensure_ascii=False).encode()

    def status_for(self, answer: dict[str, Any]) -> int:
        """The HTTP status an answer goes out with (the platforms answer errors with 200)."""
        return 200

    def calls_to(self, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.path.endswith(suffix)]

    def route(self, method: str, path: str, query: dict[str, str], headers: Any,
              body: Any) -> dict[str, Any]:  # fmt: skip
        raise NotImplementedError

    def error(self, code: int) -> dict[str, Any]:
        raise NotImplementedError


def _body(content_type: str, raw: bytes) -> Any:
    if content_type.startswith("application/json"):
        try:
            return json.loads(raw.decode())
        except ValueError:
            return {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    if content_type.startswith("multipart/form-data"):
        return {"_bytes": len(raw)}
    return {}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a killed worker) is not an error of the fake."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Kept-alive connections: without TCP_NODELAY the body written after the headers waits
        # for the client's delayed ACK (40 ms a call), which real platform servers do not do.
        disable_nagle_algorithm = True

        def _serve(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                status, payload = fake.handle(method, self.path, self.headers, raw)
            except Dropped:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- WeChat Official Account -------------------------------------------------------------------

WECHAT_ERRORS = {
    -1: "system error", 40001: "invalid credential", 40164: "invalid ip, not in whitelist",
    42001: "access_token expired", 45003: "title size out of limit", 45009: "reach max api daily quota limit",
    53503: "该草稿未通过发布检查", 40125: "invalid appsecret", 48001: "api unauthorized",
}  # fmt: skip


class FakeWechat(FakePlatform):
    """`/cgi-bin/token`, materials, `draft/add`, `freepublish/*`, `datacube/*`."""

    def __init__(self) -> None:
        super().__init__()
        self.apps: dict[str, str] = {}  # appid → secret
        self.tokens: dict[str, str] = {}  # token → appid
        self.drafts: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}  # publish_id → {appid, media_id, polls_left}
        self.pending_polls = 0  # freepublish/get answers "publishing" this many times first
        self.token_calls = 0
        self.reads: dict[str, int] = {}  # title → reads (datacube)
        self.followers: dict[str, int] = {}  # appid → 累计关注 (datacube; default 5210)

    def add_app(self) -> tuple[str, str]:
        appid, secret = "wx" + secrets.token_hex(8), secrets.token_hex(16)
        self.apps[appid] = secret
        return appid, secret

    def error(self, code: int) -> dict[str, Any]:
        return {"errcode": code, "errmsg": WECHAT_ERRORS.get(code, "error")}

    def route(self, method: str, path: str, query: dict[str, str], headers: Any,
              body: Any) -> dict[str, Any]:  # fmt: skip
        if path == "/cgi-bin/token":
            return self._token(query)
        appid = self.tokens.get(query.get("access_token", ""))
        if appid is None:
            return self.error(40001)
        handler = {
            "/cgi-bin/material/add_material": self._material,
            "/cgi-bin/media/uploadimg": self._uploadimg,
            "/cgi-bin/draft/add": self._draft,
            "/cgi-bin/freepublish/submit": self._submit,
            "/cgi-bin/freepublish/get": self._get,
            "/cgi-bin/freepublish/batchget": self._batchget,
            "/cgi-bin/freepublish/delete": self._delete,
            "/datacube/getarticletotal": self._articletotal,
            "/datacube/getusersummary": self._usersummary,
            "/datacube/getusercumulate": self._usercumulate,
        }.get(path)  # fmt: skip
        if handler is None:
            return {"errcode": 404, "errmsg": "unknown api"}
        return handler(appid, body)

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        self.token_calls += 1
        if self.apps.get(query.get("appid", "")) != query.get("secret"):
            return self.error(40125)
        token = "tok-" + secrets.token_hex(12)
        self.tokens[token] = query["appid"]
        return {"access_token": token, "expires_in": 7200}

    def _material(self, appid: str, body: Any) -> dict[str, Any]:
        return {"media_id": "mat-" + secrets.token_hex(6), "url": "http://mmbiz.example/img.jpg"}

    def _uploadimg(self, appid: str, body: Any) -> dict[str, Any]:
        return {"url": f"http://mmbiz.qpic.example/{secrets.token_hex(6)}.jpg"}

    def _draft(self, appid: str, body: Any) -> dict[str, Any]:
        article = (body.get("articles") or [{}])[0]
        if len(article.get("title", "")) > 32:
            return self.error(45003)
        if not article.get("thumb_media_id"):
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        media_id = "draft-" + secrets.token_hex(6)
        self.drafts[media_id] = {"appid": appid, **article}
        return {"media_id": media_id}

    def _submit(self, appid: str, body: Any) -> dict[str, Any]:
        draft = self.drafts.get(body.get("media_id", ""))
        if draft is None or draft["appid"] != appid:
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        publish_id = str(len(self.jobs) + 1000)
        article_id = "art-" + secrets.token_hex(6)
        self.jobs[publish_id] = {"appid": appid, "article_id": article_id,
                                 "polls_left": self.pending_polls}  # fmt: skip
        self.posts.append(Post(appid, article_id, draft["title"], draft.get("content", ""),
                               time.time(), extra={"digest": draft.get("digest", "")}))  # fmt: skip
        return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": publish_id}

    def _get(self, appid: str, body: Any) -> dict[str, Any]:
        job = self.jobs.get(str(body.get("publish_id", "")))
        if job is None or job["appid"] != appid:
            return {"errcode": 40007, "errmsg": "invalid publish_id"}
        if job["polls_left"] > 0:
            job["polls_left"] -= 1
            return {"publish_id": body["publish_id"], "publish_status": 1}
        url = f"https://mp.weixin.qq.com/s/{job['article_id']}"
        return {"publish_id": body["publish_id"], "publish_status": 0, "article_id": job["article_id"],
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": url}]}}  # fmt: skip

    def _batchget(self, appid: str, body: Any) -> dict[str, Any]:
        items = [{"article_id": p.id, "update_time": int(p.created),
                  "content": {"news_item": [{"title": p.title, "url": f"https://mp.weixin.qq.com/s/{p.id}"}]}}
                 for p in reversed(self.live_posts(appid))]  # fmt: skip
        offset, count = int(body.get("offset", 0)), min(20, int(body.get("count", 20)))
        page = items[offset : offset + count]
        return {"total_count": len(items), "item_count": len(page), "item": page}

    def _delete(self, appid: str, body: Any) -> dict[str, Any]:
        for p in self.live_posts(appid):
            if p.id == body.get("article_id"):
                p.deleted = True
                return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40007, "errmsg": "invalid article_id"}

    def _days(self, body: Any) -> list[str] | dict[str, Any]:
        """The days from begin_date to end_date (at most 7, as datacube allows)."""
        try:
            begin = dt.date.fromisoformat(str(body.get("begin_date")))
            end = dt.date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            return {"errcode": 40097, "errmsg": "invalid args"}
        if not 0 <= (end - begin).days < 7:
            return {"errcode": 61501, "errmsg": "date range error"}
        return [(begin + dt.timedelta(days=n)).isoformat() for n in range((end - begin).days + 1)]

    def _usersummary(self, appid: str, body: Any) -> dict[str, Any]:
        """Per day and source: 0 其他合计, 30 扫描二维码 (new_user, cancel_user)."""
        days = self._days(body)
        if isinstance(days, dict):
            return days
        rows = [{"ref_date": d, "user_source": src, "new_user": new, "cancel_user": gone}
                for d in days for src, new, gone in ((0, 9, 2), (30, 3, 0))]  # fmt: skip
        return {"list": rows}

    def _usercumulate(self, appid: str, body: Any) -> dict[str, Any]:
        days = self._days(body)
        if isinstance(days, dict):
            return days
        return {
            "list": [
                {"ref_date": d, "cumulate_user": self.followers.get(appid, 5210)} for d in days
            ]
        }

    def _articletotal(self, appid: str, body: Any) -> dict[str, Any]:
        rows = [{"ref_date": body.get("begin_date"), "msgid": p.id, "title": p.title,
                 "details": [{"stat_date": body.get("begin_date"), "target_user": 5000,
                              "int_page_read_user": self.reads.get(p.title, 300),
                              "int_page_read_count": self.reads.get(p.title, 300) + 40,
                              "share_user": 12, "share_count": 15, "add_to_fav_user": 4,
                              "add_to_fav_count": 4}]}
                for p in self.live_posts(appid)]  # fmt: skip
        return {"list": rows}


# --- Weibo ----------------------------------------------------------------------------------------


TOKEN_ERRORS = {21314, 21315, 21327, 21332}  # token rejected / expired / invalid
WEIBO_ERRORS = {
    10017: "appkey not bind domain", 10023: "User requests out of rate limit",
    21327: "expired_token", 21332: "invalid_access_token",
}  # fmt: skip


class FakeWeibo(FakePlatform):
    """`/2/statuses/share.json` (safe-domain URL required), `user_timeline`, `destroy`, `count`."""

    def __init__(self, safe_domain: str = "jincheng.example.com") -> None:
        super().__init__()
        self.safe_domain = safe_domain
        self.tokens: dict[str, str] = {}  # token → uid
        self.codes: dict[str, str] = {}  # authorisation code → uid
        self.expired: set[str] = set()  # tokens the platform now rejects with 21327

    def add_user(self) -> tuple[str, str]:
        uid, token = str(1000 + len(self.tokens)), "2.00" + secrets.token_hex(12)
        self.tokens[token] = uid
        return uid, token

    def error(self, code: int) -> dict[str, Any]:
        return {"error_code": code, "error": WEIBO_ERRORS.get(code, "error"),
                "request": "/2/statuses/share.json"}  # fmt: skip

    def status_for(self, answer: dict[str, Any]) -> int:
        """Weibo answers a rejected token (213xx) with HTTP 403 and its JSON error body."""
        return 403 if answer.get("error_code") in TOKEN_ERRORS else 200

    def route(self, method: str, path: str, query: dict[str, str], headers: Any,
              body: Any) -> dict[str, Any]:  # fmt: skip
        if path == "/oauth2/access_token":
            return self._exchange(body)
        token = query.get("access_token") or body.get("access_token", "")
        if token in self.expired:
            return self.error(21327)
        uid = self.tokens.get(token)
        if uid is None:
            return self.error(21332)
        if path == "/2/statuses/share.json":
            return self._share(uid, body.get("status", ""))
        if path == "/2/statuses/user_timeline.json":
            count, page = min(100, int(query.get("count", 20))), max(1, int(query.get("page", 1)))
            rows = [self._status(p) for p in reversed(self.live_posts(uid))]
            return {"statuses": rows[(page - 1) * count : page * count], "total_number": len(rows)}
        if path == "/2/statuses/destroy.json":
            for p in self.live_posts(uid):
                if p.id == body.get("id"):
                    p.deleted = True
                    return self._status(p)
            return self.error(20101)
        if path == "/2/statuses/count.json":
            ids = query.get("ids", "").split(",")
            return {"counts": [{"id": p.id, "comments": 3, "reposts": 5, "attitudes": 21}
                               for p in self.live_posts(uid) if p.id in ids]}  # fmt: skip
        return {"error_code": 10014, "error": "unknown api"}

    def issue_code(self) -> str:
        """An authorisation code, as the authorise page would hand the browser."""
        code = secrets.token_hex(8)
        self.codes[code] = str(1000 + len(self.tokens) + len(self.codes))
        return code

    def _exchange(self, body: Any) -> dict[str, Any]:
        uid = self.codes.pop(body.get("code", ""), None)
        if uid is None or body.get("grant_type") != "authorization_code":
            return {"error_code": 21325, "error": "invalid_grant"}
        token = "2.00" + secrets.token_hex(12)
        self.tokens[token] = uid
        return {"access_token": token, "expires_in": 157679999, "uid": uid}

    def _share(self, uid: str, text: str) -> dict[str, Any]:
        if self.safe_domain not in text:
            return self.error(10017)
        post = Post(uid, str(4_900_000_000_000_000 + len(self.posts)), "", text, time.time())
        self.posts.append(post)
        return self._status(post)

    def _status(self, post: Post) -> dict[str, Any]:
        return {"id": int(post.id), "idstr": post.id, "text": post.text,
                "created_ts": int(post.created), "user": {"idstr": post.account}}  # fmt: skip


# --- Douyin ---------------------------------------------------------------------------------------


DOUYIN_ERRORS = {
    2100005: "参数不合法", 2190001: "quota 已用完", 2190002: "access_token无效",
    2190004: "应用未获得该能力",
    2190008: "access_token过期,请刷新或重新授权", 10008: "access_token过期",
    28001008: "access_token过期,请刷新或重新授权", 10010: "refresh_token过期",
}  # fmt: skip


class FakeDouyin(FakePlatform):
    """OAuth refresh, `/video/upload/`, `/video/part/*`, `/video/create/`, `/video/list/`,
    `/video/data/`, `/data/external/user/fans/`. Tokens go in the `access-token` header, `open_id` in the query."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, str] = {}  # access token → open_id
        self.expired: set[str] = set()
        self.refresh_tokens: dict[str, str] = {}  # refresh token → open_id
        self.videos: dict[str, int] = {}  # video_id → bytes received
        self.uploads: dict[str, int] = {}  # upload_id → bytes
        self.codes: dict[str, str] = {}  # authorisation code → open_id
        self.part_calls = 0
        self.fans: dict[str, int] = {}  # open_id → current 粉丝数 (default 8000)

    def add_user(self) -> tuple[str, str, str]:
        open_id = "open-" + secrets.token_hex(6)
        token, refresh = "act." + secrets.token_hex(12), "rft." + secrets.token_hex(12)
        self.tokens[token], self.refresh_tokens[refresh] = open_id, open_id
        return open_id, token, refresh

    def expire(self, open_id: str | None = None, *, refresh: bool = False) -> None:
        """The platform now rejects the user's access tokens as expired (2190008); with
        `refresh`, the refresh tokens too (refreshing answers 10010): only a new authorisation
        helps."""
        self.expired.update(t for t, o in self.tokens.items() if open_id in (None, o))
        if refresh:
            for token in [t for t, o in self.refresh_tokens.items() if open_id in (None, o)]:
                del self.refresh_tokens[token]

    def error(self, code: int) -> dict[str, Any]:
        description = DOUYIN_ERRORS.get(code, "error")
        return {"data": {"error_code": code, "description": description},
                "extra": {"error_code": code, "description": description}}  # fmt: skip

    def route(self, method: str, path: str, query: dict[str, str], headers: Any,
              body: Any) -> dict[str, Any]:  # fmt: skip
        if path == "/oauth/refresh_token/":
            return self._refresh(body)
        if path == "/oauth/access_token/":
            return self._exchange(body)
        token = headers.get("access-token", "")
        if token in self.expired:
            return self.error(2190008)
        open_id = self.tokens.get(token)
        if open_id is None or open_id != query.get("open_id"):
            return self.error(2190002)
        if path == "/video/upload/":
            video_id = "v0" + secrets.token_hex(8)
            self.videos[video_id] = int(body.get("_bytes", 0))
            return {"data": {"error_code": 0, "video": {"video_id": video_id}}}
        if path == "/video/part/init/":
            upload_id = "up-" + secrets.token_hex(6)
            self.uploads[upload_id] = 0
            return {"data": {"error_code": 0, "upload_id": upload_id}}
        if path == "/video/part/upload/":
            self.part_calls += 1
            self.uploads[query["upload_id"]] += int(body.get("_bytes", 0))
            return {"data": {"error_code": 0}}
        if path == "/video/part/complete/":
            video_id = "v0" + secrets.token_hex(8)
            self.videos[video_id] = self.uploads.pop(query["upload_id"], 0)
            return {"data": {"error_code": 0, "video": {"video_id": video_id}}}
        if path == "/video/create/":
            return self._create(open_id, body)
        if path == "/video/list/":
            rows = [{"item_id": p.id, "title": p.text, "create_time": int(p.created),
                     "share_url": f"https://www.iesdouyin.com/share/video/{p.id}"}
                    for p in reversed(self.live_posts(open_id))]  # fmt: skip
            cursor, count = int(query.get("cursor", 0)), min(20, int(query.get("count", 10)))
            page = rows[cursor : cursor + count]
            return {"data": {"error_code": 0, "list": page, "cursor": cursor + len(page),
                             "has_more": cursor + len(page) < len(rows)}}  # fmt: skip
        if path == "/data/external/user/fans/":
            return self._fans(open_id, query)
        if path == "/video/data/":
            rows = [{"item_id": p.id, "statistics": {"play_count": 1200, "digg_count": 80,
                     "comment_count": 9, "share_count": 6, "forward_count": 1}}
                    for p in self.live_posts(open_id) if p.id in body.get("item_ids", [])]  # fmt: skip
            return {"data": {"error_code": 0, "list": rows}}
        return self.error(2100005)

    def _fans(self, open_id: str, query: dict[str, str]) -> dict[str, Any]:
        """The account's last `date_type` days (7/15/30) of 粉丝数 and 新增粉丝, newest last."""
        days = int(query.get("date_type", 7))
        if days not in (7, 15, 30):
            return self.error(2100005)
        today = dt.datetime.now(CHINA).date()  # the platform's days are Beijing days
        total, rows = self.fans.get(open_id, 8000), []
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            rows.append(
                {"date": day.isoformat(), "new_fans": 30 + back, "total_fans": total - back * 25}
            )
        return {"data": {"error_code": 0, "description": "", "result_list": rows}}

    def issue_code(self) -> str:
        code = secrets.token_hex(8)
        self.codes[code] = "open-" + secrets.token_hex(6)
        return code

    def _exchange(self, body: Any) -> dict[str, Any]:
        open_id = self.codes.pop(body.get("code", ""), None)
        if open_id is None:
            return {"data": {"error_code": 10007, "description": "授权码过期"}}
        token, refresh = "act." + secrets.token_hex(12), "rft." + secrets.token_hex(12)
        self.tokens[token], self.refresh_tokens[refresh] = open_id, open_id
        return {"data": {"error_code": 0, "access_token": token, "expires_in": 1296000,
                         "open_id": open_id, "refresh_token": refresh, "scope": "video.create"}}  # fmt: skip

    def _refresh(self, body: Any) -> dict[str, Any]:
        open_id = self.refresh_tokens.get(body.get("refresh_token", ""))
        if open_id is None:
            return self.error(10010)
        token = "act." + secrets.token_hex(12)
        self.tokens[token] = open_id
        return {"data": {"error_code": 0, "access_token": token, "expires_in": 1296000,
                         "open_id": open_id, "refresh_token": body["refresh_token"]}}  # fmt: skip

    def _create(self, open_id: str, body: Any) -> dict[str, Any]:
        if body.get("video_id") not in self.videos:
            return self.error(2100005)
        item_id = "@9" + secrets.token_hex(8)
        self.posts.append(Post(open_id, item_id, "", body.get("text", ""), time.time()))
        return {"data": {"error_code": 0, "item_id": item_id}}


@dataclass
class Platforms:
    wechat: FakeWechat
    weibo: FakeWeibo
    douyin: FakeDouyin


@pytest.fixture
def platforms(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platforms]:
    """The three fakes running, and the settings pointing MediaDesk at them."""
    fakes = Platforms(FakeWechat().start(), FakeWeibo().start(), FakeDouyin().start())
    settings.WECHAT_API_BASE = fakes.wechat.base
    settings.WEIBO_API_BASE = fakes.weibo.base
    settings.DOUYIN_API_BASE = fakes.douyin.base
    settings.WEIBO_SAFE_DOMAIN = fakes.weibo.safe_domain
    settings.PUBLISHING_HTTP_TIMEOUT = 1
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    yield fakes
    for fake in (fakes.wechat, fakes.weibo, fakes.douyin):
        fake.stop()
