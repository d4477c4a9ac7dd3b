"""Webhooks: 公众号 push (plain and safe mode) and Douyin events — signatures, store first,
idempotent on the platform's message id, nothing stored on a bad signature."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
from django.test import Client

from mediadesk.engagement import webhooks
from mediadesk.engagement.models import Channel, Message, WebhookEvent
from tests.engagement.conftest import Desk

pytestmark = pytest.mark.django_db

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
APP_ID = "wx1234567890abcdef"
TOKEN = "mediadesk"


def wechat_channel(desk: Desk) -> Channel:
    return webhooks.save_channel(account=desk.wechat, source="wechat", slug="qjf-wx", token=TOKEN, app_id=APP_ID, aes_key=AES_KEY)  # fmt: skip


def xml(msg_id: str = "6054768590064713728", content: str = "请问还有三居室吗？13912345678") -> str:
    return (f"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")  # fmt: skip


def signed(extra: str = "") -> dict[str, str]:
    ts, nonce = str(int(time.time())), "12345"
    return {
        "timestamp": ts,
        "nonce": nonce,
        "signature": webhooks.wechat_signature(TOKEN, ts, nonce),
    }


def test_wechat_url_verification_echoes(desk: Desk, client: Client) -> None:
    wechat_channel(desk)
    r = client.get("/engagement/hooks/wechat/qjf-wx/", {**signed(), "echostr": "hello"})
    assert r.status_code == 200 and r.content == b"hello"
    bad = client.get("/engagement/hooks/wechat/qjf-wx/", {**signed(), "signature": "0" * 40, "echostr": "x"})  # fmt: skip
    assert bad.status_code == 401


def test_wechat_plain_push_is_stored_once(desk: Desk, client: Client) -> None:
    wechat_channel(desk)
    url = "/engagement/hooks/wechat/qjf-wx/?" + "&".join(f"{k}={v}" for k, v in signed().items())
    for _ in range(3):  # WeChat retries three times
        r = client.post(url, xml(), content_type="text/xml")
        assert r.status_code == 200 and r.content == b"success"
    assert WebhookEvent.objects.count() == 1
    m = Message.objects.get()
    assert m.kind == "official_message" and m.account == desk.wechat and m.lead_candidate
    assert m.external_id == "6054768590064713728" and m.thread_key == "wx:oUser1"


def test_wechat_bad_signature_is_401_and_stores_nothing(desk: Desk, client: Client) -> None:
    wechat_channel(desk)
    params = signed() | {"signature": "f" * 40}
    url = "/engagement/hooks/wechat/qjf-wx/?" + "&".join(f"{k}={v}" for k, v in params.items())
    assert client.post(url, xml(), content_type="text/xml").status_code == 401
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_wechat_safe_mode_decrypts(desk: Desk, client: Client) -> None:
    wechat_channel(desk)
    encrypted = webhooks.wechat_encrypt(xml(msg_id="777", content="环境很好😀"), encoding_aes_key=AES_KEY, app_id=APP_ID)  # fmt: skip
    params = signed()
    params["encrypt_type"] = "aes"
    params["msg_signature"] = webhooks.wechat_signature(TOKEN, params["timestamp"], params["nonce"], encrypted)  # fmt: skip
    url = "/engagement/hooks/wechat/qjf-wx/?" + "&".join(f"{k}={v}" for k, v in params.items())
    body = f"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    assert client.post(url, body, content_type="text/xml").status_code == 200
    m = Message.objects.get()
    assert m.text == "环境很好😀" and m.polarity == "positive"
    params["msg_signature"] = "0" * 40
    url = "/engagement/hooks/wechat/qjf-wx/?" + "&".join(f"{k}={v}" for k, v in params.items())
    assert client.post(url, body, content_type="text/xml").status_code == 401


def test_wechat_decrypt_rejects_another_appid() -> None:
    encrypted = webhooks.wechat_encrypt("<xml/>", encoding_aes_key=AES_KEY, app_id="wxOTHER")
    with pytest.raises(webhooks.CryptoError):
        webhooks.wechat_decrypt(encrypted, encoding_aes_key=AES_KEY, app_id=APP_ID)
    assert webhooks.wechat_decrypt(webhooks.wechat_encrypt("<xml>好</xml>", encoding_aes_key=AES_KEY, app_id=APP_ID), encoding_aes_key=AES_KEY, app_id=APP_ID) == "<xml>好</xml>"  # fmt: skip


def test_wechat_xml_bomb_is_refused(desk: Desk, client: Client) -> None:
    wechat_channel(desk)
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Content>&b;</Content></xml>'  # fmt: skip
    url = "/engagement/hooks/wechat/qjf-wx/?" + "&".join(f"{k}={v}" for k, v in signed().items())
    assert client.post(url, bomb, content_type="text/xml").status_code == 400
    assert not WebhookEvent.objects.exists()


SECRET = "douyin-client-secret"


def douyin_post(client: Client, body: dict[str, Any], *, msg_id: str = "m-1", secret: str = SECRET) -> Any:  # fmt: skip
    raw = json.dumps(body, ensure_ascii=False).encode()
    sig = hashlib.sha1(secret.encode() + raw).hexdigest()
    return client.post("/engagement/hooks/douyin/qjf-dy/", raw, content_type="application/json", headers={"X-Douyin-Signature": sig, "Msg-Id": msg_id})  # fmt: skip


def douyin_channel(desk: Desk) -> Channel:
    return webhooks.save_channel(account=desk.douyin, source="douyin", slug="qjf-dy", secret=SECRET)


def im(text: str = "户型图发我看看") -> dict[str, Any]:
    return {"event": "im_receive_msg", "from_user_id": "dy-user-1", "to_user_id": "ent-1",
            "content": {"conversation_short_id": "c-9", "server_message_id": "s-1", "message_type": "text",
                        "text": text, "create_time": int(time.time() * 1000)}}  # fmt: skip


def test_douyin_event_is_verified_and_deduplicated(desk: Desk, client: Client) -> None:
    douyin_channel(desk)
    assert douyin_post(client, im()).status_code == 200
    assert douyin_post(client, im()).status_code == 200  # retry with the same Msg-Id
    m = Message.objects.get()
    assert m.kind == "private_message" and m.platform.code == "douyin" and m.thread_key == "dy:c-9"


def test_douyin_bad_signature_is_401_and_nothing_stored(desk: Desk, client: Client) -> None:
    douyin_channel(desk)
    assert douyin_post(client, im(), secret="wrong").status_code == 401
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_douyin_verify_webhook_challenge(desk: Desk, client: Client) -> None:
    douyin_channel(desk)
    r = douyin_post(client, {"event": "verify_webhook", "content": {"challenge": 12345}})
    assert r.json() == {"challenge": 12345}


def test_unprocessed_events_are_picked_up_by_the_job(
    desk: Desk, client: Client, monkeypatch: Any
) -> None:
    from datetime import datetime

    from mediadesk.engagement import jobs

    douyin_channel(desk)

    def busy(event_id: int) -> bool:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(webhooks, "process", busy)
    assert douyin_post(client, im()).status_code == 200  # stored first, the platform gets its 200
    assert WebhookEvent.objects.get().processed_at is None and not Message.objects.exists()
    monkeypatch.undo()
    assert jobs.run_pending_events(datetime.now()) == 1
    assert Message.objects.count() == 1 and WebhookEvent.objects.get().message is not None


def test_nul_and_lone_surrogates_from_a_webhook_are_stored_cleanly(
    desk: Desk, client: Client
) -> None:
    douyin_channel(desk)
    body = im()
    body["content"]["text"] = "户型\x00图\ud800发我"
    raw = json.dumps(body).encode()
    sig = hashlib.sha1(SECRET.encode() + raw).hexdigest()
    r = client.post("/engagement/hooks/douyin/qjf-dy/", raw, content_type="application/json", headers={"X-Douyin-Signature": sig, "Msg-Id": "m-9"})  # fmt: skip
    assert r.status_code == 200
    assert Message.objects.get().text == "户型图?发我"
