"""Weibo comments (domain-cn §8.1, §8.4): reply to a comment (`comments/reply`, at most 140
characters) and poll `comments/to_me` for new comments.

Both go through publishing's Weibo connector with the account's publishing connection (the
OAuth user token sealed in `publishing.Connection`): one client, one token, one place where
an expired authorisation is noticed (the connection turns 授权已过期 for every use). Weibo has
no push and low rate limits, so the pull runs every 5 minutes and keeps a cursor per account.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.engagement import senders, services
from mediadesk.engagement.models import Kind, PullCursor
from mediadesk.matrix.models import Account
from mediadesk.publishing.connectors.base import PlatformError
from mediadesk.publishing.connectors.weibo import WeiboConnector
from mediadesk.publishing.models import Connection, ConnectionStatus

PAGE_SIZE, MAX_PAGES = 50, 5  # at most 250 comments per account and pass (low rate limits)
MAX_REPLY = 140
CONNECTOR = WeiboConnector()


def connection_of(account: Account) -> Connection | None:
    """The account's usable publishing connection (None: not connected or expired)."""
    return Connection.objects.filter(account=account, status=ConnectionStatus.CONNECTED).first()


def _failed(conn: Connection, exc: PlatformError) -> str:
    """An expired authorisation marks the connection the way publishing does; the message."""
    if exc.reauth:
        Connection.objects.filter(pk=conn.pk).update(
            status=ConnectionStatus.EXPIRED, last_error=exc.message[:300]
        )
    return exc.message


class WeiboSender:
    """Replies to a Weibo comment with `comments/reply` (cid = the comment, id = its weibo)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

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
        try:
            reply_id = CONNECTOR.reply_comment(self.connection, cid=message.external_id, weibo_id=weibo_id, text=text)  # fmt: skip
        except PlatformError as exc:
            return senders.Outcome(False, error=_failed(self.connection, exc))
        return senders.Outcome(True, platform_reply_id=reply_id)


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
    conn = connection_of(message.account)
    return WeiboSender(conn) if conn else None


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
    conn = connection_of(account)
    if conn is None:
        return 0
    cursor, _created = PullCursor.objects.get_or_create(account=account, source="weibo_comments")
    comments: list[dict[str, Any]] = []
    try:
        for page in range(1, MAX_PAGES + 1):
            batch = CONNECTOR.comments_to_me(conn, page=page, count=PAGE_SIZE, since_id=cursor.cursor)  # fmt: skip
            comments += batch
            if len(batch) < PAGE_SIZE:
                break
    except PlatformError as exc:
        PullCursor.objects.filter(pk=cursor.pk).update(
            error=_failed(conn, exc)[:300], pulled_at=timezone.now()
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
        Account.objects.alive().filter(
            platform__code="weibo", connection__status=ConnectionStatus.CONNECTED
        )
    )


def pull_all(slot: dt.datetime) -> int:
    """Every Weibo account with a token, one page each (the periodic job)."""
    return sum(pull(account) for account in accounts_to_pull())
