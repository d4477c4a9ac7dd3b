"""WeCom (企业微信 客户联系) connector: callback crypto, token cache, API client, 群发 limits.

Callback messages use WeCom's scheme (domain-cn.md §10): signature = sha1 of the sorted
token, timestamp, nonce and ciphertext; AES-256-CBC with key = b64(EncodingAESKey + "="),
IV = key[:16], PKCS#7 to 32 bytes; plaintext = 16 random bytes, 4-byte length, XML, corp id.
"""

from __future__ import annotations

import base64
import datetime as dt
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import crypto
from mediadesk.private.models import (
    CallbackEvent,
    Identity,
    Member,
    WeComFollow,
    WeComSettings,
)


def _register() -> None:
    from mediadesk.notifications.services import register_kinds

    register_kinds(
        {
            "private.churn": gettext_lazy("客户删除企业微信好友"),
            "private.wakeup": gettext_lazy("沉默客户唤醒任务"),
        }
    )


_register()


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


def verify_echo(cfg: WeComSettings, q: dict[str, str]) -> str:
    """The plaintext of a URL-verification `echostr` once its signature checks out."""
    echo = q.get("echostr", "")
    token = crypto.unseal(cfg.token_sealed)
    if q.get("msg_signature") != signature(token, q.get("timestamp", ""), q.get("nonce", ""), echo):
        raise BadSignature("signature")
    return decrypt(crypto.unseal(cfg.aes_key_sealed), cfg.corp_id, echo)


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


@transaction.atomic
def process(cb: CallbackEvent) -> None:
    """Apply a stored callback (contact added/edited/removed, group changed); then mark it done."""
    p = cb.payload
    change = p.get("ChangeType", "")
    cfg = WeComSettings.objects.get(organisation_id=cb.organisation_id)
    if change in ("add_external_contact", "edit_external_contact", "add_half_external_contact"):
        contact = Client(cfg).get(
            "/cgi-bin/externalcontact/get", external_userid=p["ExternalUserID"]
        )
        member = link_contact(cb.organisation, contact, state=p.get("State", ""))
        if p.get("WelcomeCode"):
            send_welcome(cfg, member, p["WelcomeCode"], p.get("State", ""))
    elif change in ("del_follow_user", "del_external_contact"):
        _removed(cb, by_customer=change == "del_follow_user")
    elif p.get("Event") == "change_external_chat" and p.get("ChatId"):
        from mediadesk.private.sync import sync_group

        sync_group(cfg, p["ChatId"])
    cb.processed_at = timezone.now()
    cb.save(update_fields=["processed_at"])


ALREADY_WELCOMED = 41051  # the welcome_code was used (by us before, or by another app)


def send_welcome(cfg: WeComSettings, member: Member, code: str, state: str) -> bool:
    """The 欢迎语 of the contact's 活码 (or the default) through send_welcome_msg; WeCom allows
    it once per welcome_code within 20 s of the callback, so it is sent while processing."""
    from mediadesk.core import audit
    from mediadesk.private.models import WelcomeMessage

    options = WelcomeMessage.objects.filter(organisation_id=cfg.organisation_id, active=True)
    message = options.filter(state=state).first() or options.filter(state="").first()
    if message is None:
        return False
    try:
        Client(cfg).post(
            "/cgi-bin/externalcontact/send_welcome_msg",
            {"welcome_code": code, "text": {"content": message.text}},
        )
    except WeComError as exc:
        if exc.code == ALREADY_WELCOMED:
            return False
        raise
    audit.record(
        actor=None, action="private.welcome", target=member, changes={"state": [None, state]}
    )
    return True


def _removed(cb: CallbackEvent, *, by_customer: bool) -> None:
    """del_follow_user: the customer removed the employee (churn, owner notified);
    del_external_contact: the employee removed the customer (audited)."""
    from mediadesk.core import audit

    p = cb.payload
    follow = (
        WeComFollow.objects.filter(
            organisation_id=cb.organisation_id,
            external_userid=p.get("ExternalUserID", ""),
            userid=p.get("UserID", ""),
        )
        .select_related("member")
        .first()
    )
    if follow is None:
        return
    follow.removed_at = timezone.now()
    follow.save(update_fields=["removed_at"])
    member = follow.member
    action = "private.wecom_churn" if by_customer else "private.wecom_removed"
    audit.record(
        actor=None, action=action, target=member, changes={"userid": [follow.userid, None]}
    )
    if by_customer and member.owner is not None:
        from mediadesk.notifications.services import notify

        notify(
            [member.owner],
            kind="private.churn",
            title=str(_("客户 %(name)s 删除了企业微信好友") % {"name": member}),
            url=f"/private/members/{member.pk}/",
            organisation=member.organisation,
        )


def _follow_time(value: Any) -> Any:
    return timezone.make_aware(dt.datetime.fromtimestamp(int(value))) if value else None


def link_contact(org: Any, contact: dict[str, Any], *, state: str = "") -> Member:
    """Link an external contact (externalcontact/get answer) to its member: unionid, then phone;
    each follow user is kept with remark, 活码 state and time; WeCom tags join the member's."""
    from mediadesk.private.services import resolve

    ext = contact["external_contact"]
    follows = contact.get("follow_user", [])
    phones = [p for f in follows for p in f.get("remark_mobiles", [])]
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
    for f in follows:
        WeComFollow.objects.update_or_create(
            organisation=org,
            external_userid=ext["external_userid"],
            userid=f["userid"],
            defaults={
                "member": member,
                "remark": f.get("remark", "")[:80],
                "state": (f.get("state") or state)[:40],
                "added_at": _follow_time(f.get("createtime")),
                "removed_at": None,
            },
        )
    tags = {t["tag_name"] for f in follows for t in f.get("tags", [])}
    member.tags = sorted(set(member.tags) | tags)
    member.name = member.name or ext.get("name", "")
    member.sources = sorted(set(member.sources) | {"wecom"})
    member.save(update_fields=["tags", "name", "sources"])
    return member


class WeComError(Exception):
    """A WeCom errcode other than 0."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


TOKEN_ERRORS = {40014, 42001}  # invalid / expired access_token: fetch a new one, retry once


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
            raise WeComError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))
        return data

    def _authed(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        try:
            return self._call(method, path, body, access_token=self.token(), **params)
        except WeComError as exc:
            if exc.code not in TOKEN_ERRORS:
                raise
            self.cfg.access_token = ""
            return self._call(method, path, body, access_token=self.token(), **params)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._authed("GET", path, **params)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return self._authed("POST", path, body)
