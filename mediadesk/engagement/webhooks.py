"""Webhook intake: 公众号 message push (plain and safe/encrypted mode) and Douyin events.

Each delivery is verified (401 and nothing stored on a bad signature), stored raw first
(idempotent on the platform's message id, so WeChat's and Douyin's retries make one row),
answered at once, and processed into an inbox message; a periodic job processes any event
left unprocessed (e.g. the database was busy), so nothing is lost.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import ElementTree
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from mediadesk.core import crypto
from mediadesk.engagement import services
from mediadesk.engagement.models import Channel, Kind, WebhookEvent

# --- WeChat safe mode (WXBizMsgCrypt: AES-256-CBC, PKCS#7 to 32 bytes, iv = key[:16]) --------


class CryptoError(ValueError):
    """A message that does not decrypt, or belongs to another AppID."""


def wechat_signature(*parts: str) -> str:
    # SHA-1 is what WeChat signs with; the choice is the platform's, not ours.
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def _key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must be 43 characters")
    return key


def wechat_encrypt(plain: str, *, encoding_aes_key: str, app_id: str, nonce16: bytes | None = None) -> str:  # fmt: skip
    """Encrypt as WeChat does (used by the tests' fake platform and for passive replies)."""
    key = _key(encoding_aes_key)
    body = plain.encode()
    raw = (nonce16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def wechat_decrypt(encrypted: str, *, encoding_aes_key: str, app_id: str) -> str:
    """The plain XML of an encrypted push; CryptoError if it is not for `app_id`."""
    key = _key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted)
        dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        raw = dec.update(data) + dec.finalize()
        pad = raw[-1]
        if not 1 <= pad <= 32:
            raise CryptoError("bad padding")
        raw = raw[:-pad]
        size = struct.unpack(">I", raw[16:20])[0]
        body, tail = raw[20 : 20 + size], raw[20 + size :]
    except (ValueError, struct.error) as exc:
        raise CryptoError(str(exc)) from exc
    if tail.decode(errors="replace") != app_id:
        raise CryptoError("AppID mismatch")
    return body.decode()


def xml_fields(raw: str | bytes) -> dict[str, str]:
    """Top-level fields of a WeChat XML packet (defusedxml: no entities, no bombs)."""
    root = ElementTree.fromstring(raw)
    return {child.tag: (child.text or "") for child in root}


# --- views ------------------------------------------------------------------------------------


def _store(channel: Channel, external_id: str, body: str) -> WebhookEvent | None:
    """Store the raw event; None when it was stored before (a platform retry)."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(channel=channel, external_id=external_id[:128], body=body)  # fmt: skip
    except IntegrityError:
        return None


def _after_store(event: WebhookEvent | None) -> None:
    if event is not None:
        try:
            process(event.pk)
        except Exception:
            WebhookEvent.objects.filter(pk=event.pk).update(error="处理失败，稍后重试")


@csrf_exempt
@login_not_required
def wechat(request: HttpRequest, slug: str) -> HttpResponse:
    """公众号 server URL: GET echoes echostr after the signature check; POST stores a push."""
    channel = get_object_or_404(Channel, slug=slug, source=Channel.Source.WECHAT, is_active=True)
    q = request.GET
    timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
    if wechat_signature(channel.token, timestamp, nonce) != q.get("signature", ""):
        return HttpResponse("invalid signature", status=401)
    if request.method == "GET":
        return HttpResponse(q.get("echostr", ""))
    try:
        raw = request.body.decode()
        fields = xml_fields(raw)
        if q.get("encrypt_type") == "aes":
            encrypted = fields.get("Encrypt", "")
            if wechat_signature(channel.token, timestamp, nonce, encrypted) != q.get("msg_signature", ""):  # fmt: skip
                return HttpResponse("invalid signature", status=401)
            raw = wechat_decrypt(encrypted, encoding_aes_key=crypto.unseal(channel.aes_key_sealed), app_id=channel.app_id)  # fmt: skip
            fields = xml_fields(raw)
    except (ElementTree.ParseError, CryptoError, UnicodeDecodeError, ValueError):
        return HttpResponse("bad request", status=400)
    # WeChat retries carry the same MsgId (events: FromUserName + CreateTime).
    external_id = (
        fields.get("MsgId") or f"{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}"
    )
    _after_store(_store(channel, external_id, json.dumps(fields, ensure_ascii=False)))
    return HttpResponse("success")


def douyin_signature(secret: str, body: bytes) -> str:
    # SHA-1 is what Douyin signs with (sha1(client_secret + body)).
    return hashlib.sha1(secret.encode() + body).hexdigest()  # noqa: S324


@csrf_exempt
@login_not_required
def douyin(request: HttpRequest, slug: str) -> HttpResponse:
    """Douyin webhook: X-Douyin-Signature = sha1(client_secret + body); dedupe on Msg-Id."""
    channel = get_object_or_404(Channel, slug=slug, source=Channel.Source.DOUYIN, is_active=True)
    if request.method != "POST":
        return HttpResponse(status=405)
    expected = douyin_signature(crypto.unseal(channel.secret_sealed), request.body)
    if not hmac.compare_digest(expected, request.headers.get("X-Douyin-Signature", "")):
        return JsonResponse({"detail": "invalid signature"}, status=401)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "invalid json"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"detail": "invalid json"}, status=400)
    if payload.get("event") == "verify_webhook":
        return JsonResponse({"challenge": (payload.get("content") or {}).get("challenge")})
    external_id = request.headers.get("Msg-Id") or str(payload.get("log_id") or "")
    if not external_id:
        return JsonResponse({"detail": "missing Msg-Id"}, status=400)
    _after_store(_store(channel, external_id, request.body.decode()))
    return JsonResponse({"ok": True})


# --- processing ----------------------------------------------------------------------------------

WECHAT_KINDS = {"text": "文字", "image": "[图片]", "voice": "[语音]", "video": "[视频]", "location": "[位置]", "link": "[链接]"}  # fmt: skip
DOUYIN_EVENTS = {"im_receive_msg": Kind.PRIVATE_MESSAGE, "item_comment_reply": Kind.COMMENT, "new_comment": Kind.COMMENT}  # fmt: skip


def _wechat_incoming(channel: Channel, event: WebhookEvent) -> services.Incoming | None:
    f = json.loads(event.body)
    kind = f.get("MsgType", "")
    if kind == "event" or kind not in WECHAT_KINDS:
        return None
    text = f.get("Content", "") if kind == "text" else WECHAT_KINDS[kind]
    at = dt.datetime.fromtimestamp(int(f.get("CreateTime") or 0) or timezone.now().timestamp(), tz=dt.UTC)  # fmt: skip
    return services.Incoming(
        platform=channel.account.platform.code, kind=Kind.OFFICIAL_MESSAGE,
        external_id=event.external_id, text=text or WECHAT_KINDS[kind], received_at=min(at, timezone.now()),
        account_id=channel.account_id, author_id=f.get("FromUserName", ""),
        thread_key=f"wx:{f.get('FromUserName', '')}",
    )  # fmt: skip


def _douyin_incoming(channel: Channel, event: WebhookEvent) -> services.Incoming | None:
    payload = json.loads(event.body)
    kind = DOUYIN_EVENTS.get(payload.get("event", ""))
    if kind is None:
        return None
    content = payload.get("content") or {}
    if isinstance(content, str):
        content = json.loads(content)
    text = (
        content.get("text") or content.get("content") or f"[{content.get('message_type', '消息')}]"
    )
    millis = int(content.get("create_time") or 0)
    at = dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC) if millis else timezone.now()
    return services.Incoming(
        platform=channel.account.platform.code, kind=kind, external_id=event.external_id,
        text=str(text), received_at=min(at, timezone.now()), account_id=channel.account_id,
        author_id=str(payload.get("from_user_id", "")), author_name=str(content.get("nick_name", "")),
        thread_key=f"dy:{content.get('conversation_short_id') or payload.get('from_user_id', '')}",
    )  # fmt: skip


def process(event_id: int) -> bool:
    """Turn a stored event into an inbox message (idempotent; a message id is kept)."""
    event = WebhookEvent.objects.select_related("channel__account__platform", "channel__organisation").get(pk=event_id)  # fmt: skip
    if event.processed_at is not None:
        return False
    channel = event.channel
    reader = _wechat_incoming if channel.source == Channel.Source.WECHAT else _douyin_incoming
    item = reader(channel, event)
    message_id = None
    if item is not None:
        ((message, _created),) = services.ingest(channel.organisation, [item])
        message_id = message.pk
    WebhookEvent.objects.filter(pk=event.pk, processed_at=None).update(processed_at=timezone.now(), message_id=message_id, error="")  # fmt: skip
    return True


def save_channel(*, account: Any, source: str, slug: str, token: str = "", app_id: str = "", aes_key: str = "", secret: str = "") -> Channel:  # fmt: skip
    """Create a webhook endpoint for an account; the AES key and secret are stored sealed."""
    if aes_key:
        _key(aes_key)
    return Channel.objects.create(
        organisation_id=account.organisation_id, account=account, source=source, slug=slug,
        token=token, app_id=app_id, aes_key_sealed=crypto.seal(aes_key) if aes_key else "",
        secret_sealed=crypto.seal(secret) if secret else "",
    )  # fmt: skip
