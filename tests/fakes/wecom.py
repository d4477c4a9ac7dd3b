"""A local stand-in for the WeCom 客户联系 API (domain-cn.md §10) on 127.0.0.1.

Speaks `gettoken` (errcode 40001 on a wrong secret), `externalcontact/get` (40014 on a wrong
token, 84061 on an unknown contact), `get_follow_user_list`, `list` (84061 when an employee has no
customers), `get_corp_tag_list`, `mark_tag` (40068 on an unknown tag id), `add_corp_tag` (40071
on a name the group has), `groupchat/list` and
`groupchat/get`, the 群发 calls `add_msg_template`, `get_groupmsg_task`,
`get_groupmsg_send_result`, `remind_groupmsg_send` (45009 after 3 reminders), and builds callbacks
encrypted and signed as WeCom does. `confirm(msgid)` plays the employee confirming a 群发;
`busy[path] = n` answers the next n calls of a path with errcode -1 (系统繁忙).
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
    corp_tags: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: list[dict[str, Any]] = field(default_factory=list)
    welcomes: dict[str, str] = field(default_factory=dict)  # welcome_code → text sent
    busy: dict[str, int] = field(default_factory=dict)  # path → calls still answered -1 (系统繁忙)
    busy_after: dict[str, int] = field(default_factory=dict)  # path → calls answered before busy
    base: str = ""

    def followers(self) -> list[str]:
        return sorted({f["userid"] for c in self.contacts.values() for f in c["follow_user"]})

    def confirm(self, msgid: str) -> None:
        """The employee confirms the 群发 in their client: friends get it, others fail (2)."""
        tpl = self.templates[msgid]
        tpl["task_status"] = 2
        for ext in tpl["external_userid"]:
            tpl["results"][ext] = 1 if ext in self.contacts else 2

    def answer(self, path: str, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
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
        if path in self.busy_after:
            self.busy_after[path] -= 1
            if self.busy_after[path] < 0:
                del self.busy_after[path]
                self.busy[path] = self.busy.get(path, 0) + 1
        if self.busy.get(path):
            self.busy[path] -= 1
            return {"errcode": -1, "errmsg": "system busy"}
        handler = ROUTES.get(path)
        if handler is None:
            return {"errcode": 404, "errmsg": "unknown path"}
        return {"errcode": 0, "errmsg": "ok", **handler(self, q, body)}

    def callback(self, xml: str, *, timestamp: str = "1700000000") -> tuple[dict[str, str], bytes]:
        """Query and body of a callback POST as WeCom sends it."""
        encrypted = wecom.encrypt(AES_KEY, CORP_ID, xml)
        nonce = secrets.token_hex(4)
        sig = wecom.signature(TOKEN, timestamp, nonce, encrypted)
        body = f"<xml><ToUserName>{CORP_ID}</ToUserName><Encrypt>{encrypted}</Encrypt></xml>"
        return {"msg_signature": sig, "timestamp": timestamp, "nonce": nonce}, body.encode()


def _follow_users(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return {"follow_user": fake.followers()}


def _list(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    ids = [
        ext
        for ext, c in sorted(fake.contacts.items())
        if any(f["userid"] == q.get("userid") for f in c["follow_user"])
    ]
    if not ids:
        return {"errcode": 84061, "errmsg": "not external contact"}
    return {"external_userid": ids}


def _tags(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return {"tag_group": fake.corp_tags}


def _mark(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    known = {t["id"] for g in fake.corp_tags for t in g["tag"]}
    if set(body.get("add_tag", [])) - known:
        return {"errcode": 40068, "errmsg": "invalid tagid"}
    fake.marks.append(body)
    return {}


def _add_tag(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """add_corp_tag: into the group named (created if new); 40071 when a name exists in it."""
    name = body.get("group_name", "")
    group = next((g for g in fake.corp_tags if g["group_name"] == name), None)
    if group is None:
        group = {"group_id": f"g{len(fake.corp_tags) + 1}", "group_name": name, "tag": []}
        fake.corp_tags.append(group)
    new = [t["name"] for t in body.get("tag", [])]
    if not new or {t["name"] for t in group["tag"]} & set(new):
        return {"errcode": 40071, "errmsg": "UserTag Name Already Exist"}
    count = sum(len(g["tag"]) for g in fake.corp_tags)
    added = [{"id": f"t{i}", "name": n} for i, n in enumerate(new, start=count + 1)]
    group["tag"].extend(added)
    return {"tag_group": {**group, "tag": added}}  # as WeCom: the group with the new tags


def _group_list(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return {
        "group_chat_list": [{"chat_id": c, "status": 0} for c in fake.groups],
        "next_cursor": "",
    }


def _group_get(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    group = fake.groups.get(body.get("chat_id", ""))
    if group is None:
        return {"errcode": 40050, "errmsg": "chatid not found"}
    return {"group_chat": group}


def _add_template(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("text", {}).get("content"):
        return {"errcode": 41048, "errmsg": "no content"}
    if len(body.get("external_userid", [])) > 10_000:  # at most 10,000 customers a call
        return {"errcode": 40058, "errmsg": "external_userid exceed max 10000"}
    msgid = f"msg{len(fake.templates) + 1}"
    fake.templates[msgid] = {**body, "task_status": 0, "results": {}, "reminders": 0}
    return {"msgid": msgid, "fail_list": []}


def _task(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    tpl = fake.templates[body["msgid"]]
    return {"task_list": [{"userid": tpl["sender"], "status": tpl["task_status"]}]}


def _result(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    tpl = fake.templates[body["msgid"]]
    rows = [
        {"external_userid": ext, "userid": tpl["sender"], "status": tpl["results"].get(ext, 0)}
        for ext in tpl["external_userid"]
    ]
    limit = int(body.get("limit") or 500)  # default 500, at most 1,000 a page
    limit = limit if 0 < limit <= 1000 else 500
    start = int(body.get("cursor") or 0)
    end = start + limit
    return {"send_list": rows[start:end], "next_cursor": str(end) if end < len(rows) else ""}


def _welcome(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    code = body.get("welcome_code", "")
    if code in fake.welcomes:
        return {"errcode": 41051, "errmsg": "externaluser has started chatting"}
    fake.welcomes[code] = body.get("text", {}).get("content", "")
    return {}


def _remind(fake: FakeWeCom, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    tpl = fake.templates[body["msgid"]]
    if tpl["reminders"] >= 3:
        return {"errcode": 45009, "errmsg": "api freq out of limit"}
    tpl["reminders"] += 1
    return {}


ROUTES = {
    "/cgi-bin/externalcontact/get_follow_user_list": _follow_users,
    "/cgi-bin/externalcontact/list": _list,
    "/cgi-bin/externalcontact/get_corp_tag_list": _tags,
    "/cgi-bin/externalcontact/mark_tag": _mark,
    "/cgi-bin/externalcontact/add_corp_tag": _add_tag,
    "/cgi-bin/externalcontact/groupchat/list": _group_list,
    "/cgi-bin/externalcontact/groupchat/get": _group_get,
    "/cgi-bin/externalcontact/add_msg_template": _add_template,
    "/cgi-bin/externalcontact/get_groupmsg_task": _task,
    "/cgi-bin/externalcontact/get_groupmsg_send_result": _result,
    "/cgi-bin/externalcontact/remind_groupmsg_send": _remind,
    "/cgi-bin/externalcontact/send_welcome_msg": _welcome,
}


def add_contact_xml(user: str, external: str, at: int = 1700000000) -> str:
    return (
        f"<xml><ToUserName>{CORP_ID}</ToUserName><CreateTime>{at}</CreateTime>"
        "<MsgType>event</MsgType><Event>change_external_contact</Event>"
        f"<ChangeType>add_external_contact</ChangeType><UserID>{user}</UserID>"
        f"<ExternalUserID>{external}</ExternalUserID><State>qr1</State>"
        f"<WelcomeCode>wc-{external}-{at}</WelcomeCode></xml>"
    )


@pytest.fixture
def fake_wecom(settings: Any) -> Iterator[FakeWeCom]:
    fake = FakeWeCom()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            size = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(size) or b"{}") if size else {}
            answer = fake.answer(url.path, q, body)
            if answer.get("errcode") and answer.get("errcode") != 0:
                answer = {k: answer[k] for k in ("errcode", "errmsg")}
            data = json.dumps(answer).encode()
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


def contact_xml(change: str, user: str, external: str, at: int = 1700000100) -> str:
    """A change_external_contact callback of another ChangeType (edit, del_follow_user, …)."""
    return add_contact_xml(user, external, at).replace("add_external_contact", change)


def contact(
    external: str, user: str, *, name: str, phone: str = "", tags: Any = ()
) -> dict[str, Any]:
    """An externalcontact/get answer as WeCom shapes it."""
    return {
        "external_contact": {"external_userid": external, "name": name, "type": 1},
        "follow_user": [
            {
                "userid": user,
                "remark": name,
                "remark_mobiles": [phone] if phone else [],
                "createtime": 1700000000,
                "state": "qr1",
                "tags": [
                    {"group_name": "意向", "tag_name": t, "tag_id": f"et{t}", "type": 1}
                    for t in tags
                ],
            }
        ],
    }
