"""Weibo comments through the open API (domain-cn §8.1, §8.4): reply to a comment
(`comments/reply`, at most 140 characters) and poll `comments/to_me` for new comments.

The access token is the account's API 令牌 credential in the matrix vault (sealed); the base
URL comes from settings.WEIBO_API_BASE. Weibo has no push, and its rate limits are low, so
the pull runs every 5 minutes and keeps a cursor per account. This is the engagement side
of a platform connector: publishing's connectors (another issue) can take it over by
registering their own sender for "weibo".
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import crypto
from mediadesk.engagement import senders, services
from mediadesk.engagement.models import Kind, PullCursor
from mediadesk.matrix.models import Account, Credential

TIMEOUT = 10
PAGE_SIZE, MAX_PAGES = 50, 5  # at most 250 comments per account and pass (low rate limits)
MAX_REPLY = 140
# Error codes of the Weibo API (open.weibo.com/wiki/Error_code) → what the user is told.
ERRORS = {
    10006: gettext_lazy("缺少 App Key，请检查授权配置"),
    10022: gettext_lazy("IP 请求频次超过上限，请稍后再试"),
    10023: gettext_lazy("用户请求频次超过上限，请稍后再试"),
    10024: gettext_lazy("该接口调用频次超过上限，请稍后再试"),
    20003: gettext_lazy("用户不存在"),
    20019: gettext_lazy("重复内容：相同内容已回复过"),
    20101: gettext_lazy("微博不存在或已删除"),
    20206: gettext_lazy("作者只允许关注用户评论"),
    21301: gettext_lazy("认证失败，请重新授权"),
    21327: gettext_lazy("令牌已过期，请在账号矩阵中更新 API 令牌"),
    21332: gettext_lazy("令牌无效，请在账号矩阵中更新 API 令牌"),
}


class WeiboError(Exception):
    """A Weibo API error with its code and a Chinese message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def base() -> str:
    return str(getattr(settings, "WEIBO_API_BASE", "https://api.weibo.com")).rstrip("/")


def _call(method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    """One API call; WeiboError for an error body, network trouble, or a non-JSON answer."""
    query = urllib.parse.urlencode(params)
    url = f"{base()}{path}" + (f"?{query}" if method == "GET" else "")
    data = query.encode() if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - base URL from settings
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            raw = response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        raw = exc.read(64 * 1024)
    except OSError as exc:
        raise WeiboError(0, _("无法连接微博接口：%(e)s") % {"e": type(exc).__name__}) from None
    try:
        body = json.loads(raw)
    except ValueError:
        raise WeiboError(0, _("微博接口返回了无法识别的内容")) from None
    if isinstance(body, dict) and body.get("error_code"):
        code = int(body["error_code"])
        fallback = _("微博接口错误 %(c)s：%(e)s") % {"c": code, "e": body.get("error", "")}
        raise WeiboError(code, str(ERRORS.get(code, fallback)))
    return body if isinstance(body, dict) else {}


def token_of(account: Account) -> str | None:
    """The account's API token from the vault (None when there is none)."""
    cred = account.credentials.filter(kind=Credential.Kind.API_TOKEN).order_by("-id").first()
    return crypto.unseal(cred.secret) if cred else None


class WeiboSender:
    """Replies to a Weibo comment with `comments/reply` (cid = the comment, id = its weibo)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def send(self, message: Any, text: str) -> senders.Outcome:
        weibo_id = weibo_id_of(message)
        if not weibo_id:
            return senders.Outcome(
                False, error=_("缺少所属微博 ID，请在平台上回复后点“已在平台回复”")
            )
        if len(text) > MAX_REPLY:
            return senders.Outcome(
                False, error=_("微博评论回复不能超过 %(n)s 字") % {"n": MAX_REPLY}
            )
        params = {"access_token": self.token, "cid": message.external_id, "id": weibo_id, "comment": text}  # fmt: skip
        try:
            body = _call("POST", "/2/comments/reply.json", params)
        except WeiboError as exc:
            return senders.Outcome(False, error=str(exc))
        return senders.Outcome(
            True, platform_reply_id=str(body.get("idstr") or body.get("id") or "")
        )


def weibo_id_of(message: Any) -> str:
    """The weibo a comment belongs to: kept in the thread key by the pull, else the post's id."""
    if message.thread_key.startswith("wb:"):
        return str(message.thread_key[3:])
    variant = message.variant
    return str(variant.external_id) if variant is not None and variant.external_id else ""


def sender_for(message: Any) -> WeiboSender | None:
    """The sender for a Weibo message whose account has an API token, else None (copy +
    已在平台回复)."""
    if message.account is None:
        return None
    token = token_of(message.account)
    return WeiboSender(token) if token else None


def _incoming(account: Account, c: dict[str, Any]) -> services.Incoming:
    user, status = c.get("user") or {}, c.get("status") or {}
    parent = c.get("reply_comment") or {}
    at = parsedate_to_datetime(c["created_at"]) if c.get("created_at") else timezone.now()
    return services.Incoming(
        platform="weibo", kind=Kind.REPLY if parent else Kind.COMMENT,
        external_id=str(c.get("idstr") or c["id"]), text=str(c.get("text") or "")[:10_000] or "[空]",
        received_at=min(at, timezone.now()), account_id=account.pk,
        author_id=str(user.get("idstr") or user.get("id") or ""), author_name=str(user.get("screen_name") or ""),
        author_followers=user.get("followers_count"), thread_key=f"wb:{status.get('idstr') or status.get('id') or ''}",
        parent_external_id=str(parent.get("idstr") or parent.get("id") or ""),
    )  # fmt: skip


def pull(account: Account) -> int:
    """Fetch the account's new comments since its cursor and ingest them; the number new."""
    token = token_of(account)
    if token is None:
        return 0
    cursor, _created = PullCursor.objects.get_or_create(account=account, source="weibo_comments")
    params: dict[str, Any] = {"access_token": token, "count": PAGE_SIZE}
    if cursor.cursor:
        params["since_id"] = cursor.cursor
    comments: list[dict[str, Any]] = []
    try:
        for page in range(1, MAX_PAGES + 1):
            body = _call("GET", "/2/comments/to_me.json", {**params, "page": page})
            batch = [c for c in body.get("comments") or [] if isinstance(c, dict) and c.get("id")]
            comments += batch
            if len(batch) < PAGE_SIZE:
                break
    except WeiboError as exc:
        PullCursor.objects.filter(pk=cursor.pk).update(
            error=str(exc)[:300], pulled_at=timezone.now()
        )
        return 0
    with transaction.atomic():
        items = [_incoming(account, c) for c in comments]
        stored = [s for i in range(0, len(items), 500) for s in services.ingest(account.organisation, items[i : i + 500])]  # fmt: skip
        newest = max((int(c["id"]) for c in comments), default=None)
        fields: dict[str, Any] = {"pulled_at": timezone.now(), "error": ""}
        if newest is not None and newest > int(cursor.cursor or 0):
            fields["cursor"] = str(newest)
        PullCursor.objects.filter(pk=cursor.pk).update(**fields)
    return sum(1 for _m, created in stored if created)


def accounts_to_pull() -> list[Account]:
    return list(
        Account.objects.alive()
        .filter(platform__code="weibo", credentials__kind=Credential.Kind.API_TOKEN)
        .distinct()
    )


def pull_all(slot: dt.datetime) -> int:
    """Every Weibo account with a token, one page each (the periodic job)."""
    return sum(pull(account) for account in accounts_to_pull())
