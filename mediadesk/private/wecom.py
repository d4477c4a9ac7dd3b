"""WeCom (企业微信 客户联系) connector: callback crypto, token cache, API client, 群发 limits.

Callback messages use WeCom's scheme (domain-cn.md §10): signature = sha1 of the sorted
token, timestamp, nonce and ciphertext; AES-256-CBC with key = b64(EncodingAESKey + "="),
IV = key[:16], PKCS#7 to 32 bytes; plaintext = 16 random bytes, 4-byte length, XML, corp id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import ElementTree
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mediadesk.core import crypto
from mediadesk.core.errors import Conflict
from mediadesk.private.models import CallbackEvent, Identity, MassRecipient, Member, WeComSettings


class BadSignature(Exception):
    """The callback's msg_signature does not match."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce, encrypted])).encode()
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 (WeCom's documented scheme)


def _key(aes_key: str) -> bytes:
    return base64.b64decode(aes_key + "=")


def encrypt(aes_key: str, corp_id: str, xml: str) -> str:
    """Encrypt as WeCom does (used by the fake server and tests)."""
    key, body = _key(aes_key), xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + corp_id.encode()
    padder = padding.PKCS7(256).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode()


def decrypt(aes_key: str, corp_id: str, encrypted: str) -> str:
    """Decrypt a callback body; the trailing corp id must match."""
    key = _key(aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    unpadder = padding.PKCS7(256).unpadder()
    plain = unpadder.update(data) + unpadder.finalize()
    (size,) = struct.unpack(">I", plain[16:20])
    if plain[20 + size :].decode() != corp_id:
        raise BadSignature("corp id")
    return plain[20 : 20 + size].decode()


def verify_and_open(cfg: WeComSettings, q: dict[str, str], body: bytes) -> dict[str, str]:
    """Check the signature of a POSTed callback and return its decrypted fields."""
    encrypted = ElementTree.fromstring(body).findtext("Encrypt") or ""
    token = crypto.unseal(cfg.token_sealed)
    expected = signature(token, q.get("timestamp", ""), q.get("nonce", ""), encrypted)
    if q.get("msg_signature") != expected:
        raise BadSignature("signature")
    xml = decrypt(crypto.unseal(cfg.aes_key_sealed), cfg.corp_id, encrypted)
    return {child.tag: child.text or "" for child in ElementTree.fromstring(xml)}


def store(cfg: WeComSettings, fields: dict[str, str]) -> CallbackEvent | None:
    """Store a callback once (key: event, ids, time); None when already stored."""
    key = "|".join(
        fields.get(k, "")
        for k in ("ChangeType", "UserID", "ExternalUserID", "ChatId", "CreateTime")
    )
    try:
        with transaction.atomic():
            return CallbackEvent.objects.create(
                organisation_id=cfg.organisation_id, dedupe_key=key, payload=fields
            )
    except IntegrityError:
        return None


def process(cb: CallbackEvent) -> None:
    """Apply a stored callback: add_external_contact links the contact to a member."""
    p = cb.payload
    if p.get("ChangeType") in ("add_external_contact", "edit_external_contact"):
        cfg = WeComSettings.objects.get(organisation_id=cb.organisation_id)
        contact = Client(cfg).get(
            "/cgi-bin/externalcontact/get", external_userid=p["ExternalUserID"]
        )
        link_contact(cb.organisation, contact)
    cb.processed_at = timezone.now()
    cb.save(update_fields=["processed_at"])


def link_contact(org: Any, contact: dict[str, Any]) -> Member:
    """Link an external contact (externalcontact/get answer) to its member: unionid, then phone."""
    from mediadesk.private.services import resolve

    ext = contact["external_contact"]
    phones = [p for f in contact.get("follow_user", []) for p in f.get("remark_mobiles", [])]
    ident = Identity.objects.filter(
        organisation=org, kind="wecom", value=ext["external_userid"]
    ).first()
    member = (
        ident.member
        if ident
        else resolve(org, unionid=ext.get("unionid", ""), phone=phones[0] if phones else "")
    )
    Identity.objects.get_or_create(
        organisation=org, kind="wecom", value=ext["external_userid"], defaults={"member": member}
    )
    tags = {t["tag_name"] for f in contact.get("follow_user", []) for t in f.get("tags", [])}
    member.tags = sorted(set(member.tags) | tags)
    member.name = member.name or ext.get("name", "")
    member.sources = sorted(set(member.sources) | {"wecom"})
    member.save(update_fields=["tags", "name", "sources"])
    return member


class WeComError(Exception):
    """A WeCom errcode other than 0."""


class Client:
    """Calls the WeCom API at settings.WECOM_API_BASE with a cached access token."""

    def __init__(self, cfg: WeComSettings) -> None:
        self.cfg = cfg

    def token(self) -> str:
        if self.cfg.access_token and (self.cfg.token_expires_at or timezone.now()) > timezone.now():
            return crypto.unseal(self.cfg.access_token)
        answer = self._call(
            "GET",
            "/cgi-bin/gettoken",
            corpid=self.cfg.corp_id,
            corpsecret=crypto.unseal(self.cfg.secret_sealed),
        )
        self.cfg.access_token = crypto.seal(answer["access_token"])
        self.cfg.token_expires_at = timezone.now() + timedelta(
            seconds=int(answer["expires_in"]) - 300
        )
        self.cfg.save(update_fields=["access_token", "token_expires_at"])
        return str(answer["access_token"])

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        url = f"{settings.WECOM_API_BASE}{path}?{urllib.parse.urlencode(params)}"
        payload = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 (base URL from settings)
            url, data=payload, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310  (base from settings)
            data: dict[str, Any] = json.loads(r.read())
        if data.get("errcode", 0) != 0:
            raise WeComError(f"{data.get('errcode')}: {data.get('errmsg')}")
        return data

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, access_token=self.token(), **params)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return self._call("POST", path, body, access_token=self.token())


def check_limit(member: Member, limit: int) -> None:
    """Refuse a 群发 to a member who already got `limit` this calendar month; say when next."""
    now = timezone.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sent = MassRecipient.objects.filter(member=member, at__gte=start).count()
    if sent >= limit:
        nxt = (start + timedelta(days=32)).replace(day=1)
        raise Conflict(
            f"{member} 本月已收到 {sent} 条群发（上限 {limit}），最早可于 {nxt:%Y-%m-%d} 再发"
        )
