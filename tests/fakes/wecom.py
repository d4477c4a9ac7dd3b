"""A local stand-in for the WeCom 客户联系 API (domain-cn.md §10) on 127.0.0.1.

Speaks `gettoken` (errcode 40001 on a wrong secret), `externalcontact/get` (42001/40014 on an
expired or wrong token, 84061 on an unknown contact) and builds callbacks encrypted and signed
as WeCom does.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mediadesk.private import wecom

CORP_ID = "ww0123456789abcdef"
SECRET = "fake-secret"
TOKEN = "callbacktoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars, as WeCom issues


@dataclass
class FakeWeCom:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    base: str = ""

    def answer(self, path: str, q: dict[str, str]) -> dict[str, Any]:
        self.calls.append(path)
        if path == "/cgi-bin/gettoken":
            if q.get("corpid") != CORP_ID or q.get("corpsecret") != SECRET:
                return {"errcode": 40001, "errmsg": "invalid secret"}
            token = secrets.token_hex(8)
            self.tokens.add(token)
            return {"errcode": 0, "access_token": token, "expires_in": 7200}
        if q.get("access_token") not in self.tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if path == "/cgi-bin/externalcontact/get":
            contact = self.contacts.get(q.get("external_userid", ""))
            if contact is None:
                return {"errcode": 84061, "errmsg": "not external contact"}
            return {"errcode": 0, **contact}
        return {"errcode": 404, "errmsg": "unknown path"}

    def callback(self, xml: str, *, timestamp: str = "1700000000") -> tuple[dict[str, str], bytes]:
        """Query and body of a callback POST as WeCom sends it."""
        encrypted = wecom.encrypt(AES_KEY, CORP_ID, xml)
        nonce = secrets.token_hex(4)
        sig = wecom.signature(TOKEN, timestamp, nonce, encrypted)
        body = f"<xml><ToUserName>{CORP_ID}</ToUserName><Encrypt>{encrypted}</Encrypt></xml>"
        return {"msg_signature": sig, "timestamp": timestamp, "nonce": nonce}, body.encode()


def add_contact_xml(user: str, external: str, at: int = 1700000000) -> str:
    return (
        f"<xml><ToUserName>{CORP_ID}</ToUserName><CreateTime>{at}</CreateTime>"
        "<MsgType>event</MsgType><Event>change_external_contact</Event>"
        f"<ChangeType>add_external_contact</ChangeType><UserID>{user}</UserID>"
        f"<ExternalUserID>{external}</ExternalUserID><State>qr1</State></xml>"
    )


@pytest.fixture
def fake_wecom(settings: Any) -> Iterator[FakeWeCom]:
    fake = FakeWeCom()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            data = json.dumps(fake.answer(url.path, q)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECOM_API_BASE = fake.base
    yield fake
    server.shutdown()
