"""Weibo through the fake API, with the account's publishing connection: replies go out through comments/reply and keep the platform
id; errors are shown in Chinese and leave the message open; the pull ingests new comments
once and advances its cursor; without a token the inbox falls back to copy + confirm."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.engagement import services, weibo
from mediadesk.engagement.models import Message, PullCursor, Reply, Status
from mediadesk.publishing import services as publishing
from mediadesk.publishing.models import Connection, ConnectionStatus
from tests.engagement.conftest import Desk
from tests.fakes.weibo import FakeWeibo, weibo_server

__all__ = ["weibo_server"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def token(desk: Desk, world: Any, weibo_server: FakeWeibo) -> str:
    weibo_server.tokens["tok-1"] = "ok"
    publishing.connect_account(desk.weibo, by=world.admin, values={"access_token": "tok-1"})
    return "tok-1"


def test_pull_ingests_new_comments_once_and_moves_the_cursor(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:  # fmt: skip
    first = weibo_server.add_comment("多少钱一平？", user="小王", followers=320)
    weibo_server.add_comment("环境很好")
    assert weibo.pull(desk.weibo) == 2
    assert weibo.pull(desk.weibo) == 0
    m = Message.objects.get(external_id=first)
    assert m.platform.code == "weibo" and m.account == desk.weibo and m.author_name == "小王"
    assert m.author_followers == 320 and m.thread_key == "wb:5001" and m.lead_candidate
    cursor = PullCursor.objects.get(account=desk.weibo)
    assert int(cursor.cursor) > int(first) - 1 and cursor.error == ""
    reply = weibo_server.add_comment("谢谢回复", reply_to=first)
    assert weibo.pull(desk.weibo) == 1
    child = Message.objects.get(external_id=reply)
    assert child.kind == "reply" and child.parent == m
    assert weibo_server.requests[-1][2].get("since_id") == cursor.cursor


def test_reply_goes_through_the_api_with_its_platform_id(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:  # fmt: skip
    weibo_server.add_comment("什么时候交房？")
    weibo.pull(desk.weibo)
    m = Message.objects.get()
    row = services.reply(m, by=desk.service, text="您好，交付时间以合同约定为准，欢迎关注工程进度")
    assert row.state == Reply.State.SENT and row.platform_reply_id
    assert weibo_server.replies == [{"cid": m.external_id, "id": "5001", "comment": row.text}]
    m.refresh_from_db()
    assert m.status == Status.REPLIED and m.first_response_at is not None


def test_platform_error_is_shown_and_the_message_stays_open(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:  # fmt: skip
    weibo_server.add_comment("在吗")
    weibo.pull(desk.weibo)
    m = Message.objects.get()
    weibo_server.tokens["tok-1"] = "expired"
    row = services.reply(m, by=desk.service, text="您好，在的")
    assert row.state == Reply.State.FAILED and "授权已过期" in row.error
    m.refresh_from_db()
    assert m.status == Status.NEW and m.first_response_at is None
    # the same connection publishing uses now says so, and the inbox falls back to copy + confirm
    assert Connection.objects.get(account=desk.weibo).status == ConnectionStatus.EXPIRED
    assert services.reply(m, by=desk.service, text="您好，在的").state == Reply.State.MANUAL


def test_expired_token_during_pull_is_recorded(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:  # fmt: skip
    weibo_server.tokens["tok-1"] = "expired"
    weibo_server.add_comment("你好")
    assert weibo.pull(desk.weibo) == 0
    assert "授权已过期" in PullCursor.objects.get().error and not Message.objects.exists()
    assert weibo.accounts_to_pull() == []


def test_rate_limit_stops_the_pull_without_losing_the_cursor(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:  # fmt: skip
    weibo_server.add_comment("一")
    weibo.pull(desk.weibo)
    before = PullCursor.objects.get().cursor
    weibo_server.hourly_limit = 1
    weibo_server.add_comment("二")
    assert weibo.pull(desk.weibo) == 0
    cursor = PullCursor.objects.get()
    assert cursor.cursor == before and "频次" in cursor.error
    weibo_server.hourly_limit = 100
    assert weibo.pull(desk.weibo) == 1


def test_more_than_one_page_is_fetched(desk: Desk, weibo_server: FakeWeibo, token: str) -> None:
    for n in range(120):
        weibo_server.add_comment(f"第{n}条")
    assert weibo.pull(desk.weibo) == 120


def test_without_a_token_replies_fall_back_to_copy_and_confirm(desk: Desk, weibo_server: FakeWeibo) -> None:  # fmt: skip
    m = desk.ingest("多少钱")
    assert services.reply(m, by=desk.service, text="您好，请私信").state == Reply.State.MANUAL
    assert weibo_server.requests == []
