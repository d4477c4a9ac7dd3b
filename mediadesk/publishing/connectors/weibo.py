"""Weibo connector — domain-cn §4.2: OAuth2 user token, `statuses/share` with a URL under the
app's safe domain, `statuses/destroy` to withdraw, `statuses/count` for figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from mediadesk.core import crypto
from mediadesk.publishing.connectors.base import (
    PlatformError,
    Posted,
    Progress,
    base_url,
    dumps,
    post_text,
    request,
)

ERRORS: dict[int, tuple[str, bool, bool]] = {
    10001: ("微博系统错误，稍后自动重试", True, False),
    10009: ("微博任务过多，稍后自动重试", True, False),
    10017: (
        "微博正文必须包含应用安全域名下的链接：请在平台稿的链接中填写安全域名下的网址",
        False,
        False,
    ),
    10022: ("IP 请求频次超过上限，稍后自动重试", True, False),
    10023: ("用户请求频次超过上限，稍后自动重试", True, False),
    10024: ("用户请求该接口的频次超过上限，稍后自动重试", True, False),
    20003: ("微博用户不存在", False, False),
    20019: ("微博不允许重复发布相同内容", False, False),
    20101: ("微博不存在或已删除", False, False),
    20206: ("作者只允许关注用户评论", False, False),
    21314: ("授权已失效，请重新授权", False, True),
    21315: ("授权已过期，请重新授权", False, True),
    21327: ("授权已过期，请重新授权", False, True),
    21332: ("授权无效，请重新授权", False, True),
}


def _base() -> str:
    return base_url("WEIBO_API_BASE")


def _check(answer: dict[str, Any]) -> dict[str, Any]:
    code = int(answer.get("error_code") or 0)
    if code == 0:
        return answer
    message, transient, reauth = ERRORS.get(
        code, (f"微博返回错误 {code}：{answer.get('error', '')}", False, False)
    )
    raise PlatformError(str(code), message, transient=transient, reauth=reauth, raw=dumps(answer))


def _error_body(raw: str) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("error_code") else None


def user_token(conn: Any) -> str:
    """The OAuth user token; an expired one cannot be used (Weibo has no refresh for web apps)."""
    if conn.expires_at and conn.expires_at <= timezone.now():
        raise PlatformError("token_expired", "授权已过期，请重新授权", reauth=True)
    return crypto.unseal(conn.secret_sealed)


def status_text(payload: dict[str, Any]) -> str:
    text = post_text(payload)
    domain = getattr(settings, "WEIBO_SAFE_DOMAIN", "")
    if domain and domain not in text:
        raise PlatformError("10017", ERRORS[10017][0])
    return text


class WeiboConnector:
    code = "weibo"

    def _call(self, conn: Any, method: str, path: str, **kw: Any) -> dict[str, Any]:
        token = user_token(conn)
        if method == "GET":
            kw["params"] = {**kw.get("params", {}), "access_token": token}
        else:
            kw["form"] = {**kw.get("form", {}), "access_token": token}
        try:
            answer = request(method, f"{_base()}{path}", **kw)
        except PlatformError as exc:
            # Weibo answers its errors with HTTP 4xx and a JSON body: keep its code and message.
            body = _error_body(exc.raw)
            if body is None:
                raise
            answer = body
        return _check(answer)

    def reply_comment(self, conn: Any, *, cid: str, weibo_id: str, text: str) -> str:
        """Reply to comment `cid` under weibo `weibo_id` (`comments/reply`); the reply's id."""
        answer = self._call(conn, "POST", "/2/comments/reply.json",
                            form={"cid": cid, "id": weibo_id, "comment": text})  # fmt: skip
        return str(answer.get("idstr") or answer.get("id") or "")

    def comments_to_me(self, conn: Any, *, page: int, count: int, since_id: str = "") -> list[dict[str, Any]]:  # fmt: skip
        """One page of the comments on the account's weibos, newest first (`comments/to_me`)."""
        params: dict[str, Any] = {"count": count, "page": page}
        if since_id:
            params["since_id"] = since_id
        answer = self._call(conn, "GET", "/2/comments/to_me.json", params=params)
        return [c for c in answer.get("comments") or [] if isinstance(c, dict) and c.get("id")]

    def publish(self, job: Any, progress: Progress) -> Posted:
        conn = job.account.connection
        text = status_text(job.payload)
        progress.before_submit()
        answer = self._call(conn, "POST", "/2/statuses/share.json", form={"status": text})
        return self._posted(answer)

    def _posted(self, answer: dict[str, Any]) -> Posted:
        sid = str(answer.get("idstr") or answer.get("id", ""))
        uid = str(answer.get("user", {}).get("idstr", ""))
        return Posted(ids={"external_id": sid}, published=True, url=f"https://weibo.com/{uid}/{sid}",
                      published_at=timezone.now(), raw=dumps(answer))  # fmt: skip

    def status(self, job: Any) -> Posted | None:
        return self.find(job)

    def find(self, job: Any) -> Posted | None:
        """The post among the account's statuses since the first try (pages of 100)."""
        since = (job.submit_started_at or job.created_at) - dt.timedelta(minutes=2)
        text = post_text(job.payload)
        for page in range(1, 1000):
            answer = self._call(job.account.connection, "GET", "/2/statuses/user_timeline.json",
                                params={"count": 100, "page": page})  # fmt: skip
            statuses = answer.get("statuses", [])
            for status in statuses:
                created = dt.datetime.fromtimestamp(int(status.get("created_ts", 0)), tz=dt.UTC)
                if created < since:
                    return None
                if status.get("text") == text:
                    return self._posted(status)
            if not statuses:
                return None
        return None

    def withdraw(self, job: Any) -> None:
        self._call(job.account.connection, "POST", "/2/statuses/destroy.json",
                   form={"id": job.external_id})  # fmt: skip

    def pull_metrics(self, job: Any) -> dict[str, int]:
        answer = self._call(job.account.connection, "GET", "/2/statuses/count.json",
                            params={"ids": job.external_id})  # fmt: skip
        for row in answer.get("counts", []):
            if str(row.get("id")) == job.external_id:
                return {"comments": int(row.get("comments", 0)), "shares": int(row.get("reposts", 0)),
                        "likes": int(row.get("attitudes", 0))}  # fmt: skip
        raise PlatformError("no_data", "平台暂无该微博的数据", transient=True)

    def check_credentials(self, conn: Any) -> None:
        self._call(conn, "GET", "/2/statuses/user_timeline.json", params={"count": 1})
