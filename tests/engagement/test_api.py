"""The API contract: exact paths and keys, idempotency, validation, scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from mediadesk.engagement.models import Message, Reply, StandardReply, WatchTerm
from tests.engagement.conftest import Desk

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: Any) -> Any:
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def msg(**values: Any) -> dict[str, Any]:
    base = {"platform": "weibo", "kind": "comment", "external_id": "c1", "text": "多少钱一平？电话13912345678", "received_at": now_iso()}  # fmt: skip
    return base | values


def test_sentiment_endpoint_keys(desk: Desk, api: Any) -> None:
    r = post(api(desk.service), "/sentiment", {"text": "这楼盘烂尾了吧，业主都在维权"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"polarity", "score", "words"}
    assert body["polarity"] == "negative" and "烂尾" in body["words"] and -1 <= body["score"] < 0


def test_ingest_one_is_idempotent(desk: Desk, api: Any) -> None:
    c = api(desk.service)
    r = post(c, "/inbox/messages", msg(account=desk.weibo.pk, author="小王"))
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "status", "sentiment", "due_at", "lead_candidate"}
    assert body["status"] == "new" and body["lead_candidate"] is True
    again = post(c, "/inbox/messages", msg(account=desk.weibo.pk, author="小王"))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Message.objects.count() == 1


def test_ingest_batch_of_items(desk: Desk, api: Any) -> None:
    items = [msg(external_id=f"b{n}", text=f"第{n}条 😀 English mixed 混合") for n in range(500)]
    r = post(api(desk.service), "/inbox/messages", {"items": items})
    assert r.status_code == 200 and len(r.json()["items"]) == 500
    assert Message.objects.count() == 500


def test_batch_over_500_is_refused(desk: Desk, api: Any) -> None:
    items = [msg(external_id=f"b{n}") for n in range(501)]
    r = post(api(desk.service), "/inbox/messages", {"items": items})
    assert r.status_code == 400 and not Message.objects.exists()


def test_long_emoji_and_mixed_script_text(desk: Desk, api: Any) -> None:
    text = ("房子👍不错 good ไทย Ελληνικά " * 400)[:10_000]
    r = post(api(desk.service), "/inbox/messages", msg(text=text))
    assert r.status_code == 201
    assert Message.objects.get().text == text
    too_long = post(api(desk.service), "/inbox/messages", msg(external_id="x2", text="好" * 10_001))
    assert too_long.status_code == 422 and "errors" in too_long.json()


@pytest.mark.parametrize("bad", [
    {"kind": "letter"}, {"received_at": "yesterday"}, {"external_id": ""}, {"text": ""},
    {"platform": "nowhere"}, {"account": 999999}, {"unknown": 1},
])  # fmt: skip
def test_bad_input_is_a_clear_4xx(desk: Desk, api: Any, bad: dict[str, Any]) -> None:
    r = post(api(desk.service), "/inbox/messages", msg(**bad))
    assert r.status_code in (400, 422), r.content
    assert r.json()["detail"] and not Message.objects.exists()


def test_not_json_is_400(desk: Desk, api: Any) -> None:
    r = api(desk.service).post(
        "/api/v1/inbox/messages", "{not json", content_type="application/json"
    )
    assert r.status_code == 400


def test_list_with_filters_and_scope(desk: Desk, api: Any, world: Any) -> None:
    desk.ingest("这楼盘烂尾了吧")
    desk.ingest("环境很好", platform="wechat_mp")
    c = api(desk.service)
    r = c.get("/api/v1/inbox/messages", {"sentiment": "negative"})
    assert r.status_code == 200 and r.json()["count"] == 1
    row = r.json()["items"][0]
    assert {"id", "status", "sentiment", "due_at", "lead_candidate", "time_left_minutes", "suggestions"} <= set(row)  # fmt: skip
    assert c.get("/api/v1/inbox/messages", {"platform": "wechat_mp"}).json()["count"] == 1
    assert c.get("/api/v1/inbox/messages", {"overdue": "true"}).json()["count"] == 0
    assert c.get("/api/v1/inbox/messages", {"q": "烂尾"}).json()["count"] == 1
    assert api(world.operator_cd).get("/api/v1/inbox/messages").json()["count"] == 0
    assert api(world.sales_a).get("/api/v1/inbox/messages").status_code == 403


def test_list_masks_phones_without_the_permission(desk: Desk, api: Any, world: Any) -> None:
    desk.ingest("电话13912345678")
    assert (
        api(desk.service).get("/api/v1/inbox/messages").json()["items"][0]["text"]
        == "电话139****5678"
    )
    assert (
        api(world.manager).get("/api/v1/inbox/messages").json()["items"][0]["text"]
        == "电话13912345678"
    )


def test_reply_text_and_reply_id(desk: Desk, api: Any, world: Any) -> None:
    from mediadesk.engagement import library

    m = desk.ingest("多少钱一平")
    c = api(desk.service)
    r = post(c, f"/inbox/messages/{m.pk}/reply", {"text": "全网最低价"})
    assert r.status_code == 400 and "全网最低价" in json.dumps(r.json(), ensure_ascii=False)
    std = library.save(world.org, {"category": "咨询价格", "title": "价格", "text": "您好，{项目名}价格请致电售楼处了解", "keywords": "多少钱"}, by=world.manager)  # fmt: skip
    r = post(c, f"/inbox/messages/{m.pk}/reply", {"reply_id": std.pk})
    assert r.status_code == 201
    assert r.json()["text"] == "您好，锦程·曲江府价格请致电售楼处了解"
    std.refresh_from_db()
    assert std.usage_count == 1 and std.last_used_at is not None
    assert post(c, f"/inbox/messages/{m.pk}/reply", {}).status_code == 400
    assert (
        post(api(world.outsider), f"/inbox/messages/{m.pk}/reply", {"text": "好"}).status_code
        == 404
    )


def test_assign_and_lead(desk: Desk, api: Any, world: Any) -> None:
    m = desk.ingest("多少钱一平？电话13912345678", post_url="https://weibo.com/1/abc")
    c = api(world.manager)
    r = post(c, f"/inbox/messages/{m.pk}/assign", {"user": desk.service.pk})
    assert r.status_code == 200 and r.json()["assignee"] == desk.service.pk
    assert post(api(desk.service), f"/inbox/messages/{m.pk}/assign", {"user": world.manager.pk}).status_code == 403  # fmt: skip
    r = post(api(desk.service), f"/inbox/messages/{m.pk}/lead", {"project": world.qujiang.pk})
    assert r.status_code == 201
    assert r.json()["source"] == "comment" and r.json()["variant"] == desk.post.pk


def test_replies_library_api(desk: Desk, api: Any, world: Any) -> None:
    c = api(world.manager)
    ok = post(c, "/inbox/replies", {"category": "感谢", "title": "感谢关注", "text": "感谢关注{项目名}！", "platforms": ["weibo"]})  # fmt: skip
    assert ok.status_code == 201 and ok.json()["state"] == "available"
    bad = post(c, "/inbox/replies", {"category": "咨询价格", "title": "最低价", "text": "全网最低价，错过再等一年"})  # fmt: skip
    assert bad.status_code == 201 and bad.json()["state"] == "blocked"
    too_long = post(c, "/inbox/replies", {"category": "感谢", "title": "长", "text": "好" * 150, "platforms": ["douyin"]})  # fmt: skip
    assert too_long.status_code == 400
    listing = api(desk.service).get("/api/v1/inbox/replies").json()
    assert listing["count"] == 2
    assert post(api(desk.service), "/inbox/replies", {"category": "感谢", "title": "x", "text": "x"}).status_code == 403  # fmt: skip
    assert StandardReply.objects.count() == 2


def test_mentions_and_incidents_api(desk: Desk, api: Any, world: Any) -> None:
    WatchTerm.objects.create(organisation=world.org, term="曲江府", category="project")
    c = api(world.manager)
    body = {"source": "微博", "url": "https://weibo.com/x/1", "author": "大V", "author_followers": 500000, "published_at": now_iso(), "text": "曲江府业主维权"}  # fmt: skip
    r = post(c, "/opinion/mentions", body)
    assert r.status_code == 201 and r.json()["terms"] == ["曲江府"] and r.json()["incident"]
    assert post(c, "/opinion/mentions", body).status_code == 200  # same URL: deduplicated
    incidents = c.get("/api/v1/opinion/incidents").json()
    assert incidents["count"] == 1
    assert {"id", "title", "grade", "state", "first_response_due"} <= set(incidents["items"][0])
    assert post(api(desk.service), "/opinion/mentions", body).status_code == 403
    assert api(world.sales_a).get("/api/v1/opinion/incidents").status_code == 403
    assert api(world.outsider).get("/api/v1/opinion/incidents").json()["count"] == 0


def test_anonymous_api_is_401(desk: Desk, client: Any) -> None:
    assert client.get("/api/v1/inbox/messages").status_code == 401
    assert post(client, "/sentiment", {"text": "好"}).status_code == 401


def test_approval_rule_holds_negative_replies(desk: Desk, world: Any) -> None:
    from mediadesk.engagement import services
    from mediadesk.engagement.models import ApprovalRule

    ApprovalRule.objects.create(organisation=world.org, account=desk.weibo, polarity="negative")
    m = desk.ingest("这楼盘烂尾了吧，业主都在维权")
    row = services.reply(m, by=desk.service, text="您好，工程正常推进，欢迎到工地开放日实地查看")
    assert row.state == Reply.State.PENDING
    m.refresh_from_db()
    assert m.first_response_at is None
    with pytest.raises(PermissionDenied):
        services.decide_reply(row, by=desk.service, approve=True)
    services.decide_reply(row, by=world.manager, approve=True)
    row.refresh_from_db()
    m.refresh_from_db()
    assert row.state == Reply.State.MANUAL and row.approved_by == world.manager
    assert m.status == "replied" and m.first_responder == desk.service
