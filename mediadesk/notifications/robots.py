"""Group robots of 企业微信, 钉钉 and 飞书 (domain-cn.md §4.5): pure request builders, signing,
answer classification, throttle arithmetic, and a small HTTP client.

Nothing here touches the database. Webhook URLs carry the robot's key, so they never appear
in errors or logs; only `mask_webhook()` output is shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WECOM = "wecom"
DINGTALK = "dingtalk"
FEISHU = "feishu"

TIMEOUT_SECONDS = 10

OFFICIAL_HOSTS = {
    WECOM: "qyapi.weixin.qq.com",
    DINGTALK: "oapi.dingtalk.com",
    FEISHU: "open.feishu.cn",
}
HOOK_PATHS = {
    WECOM: "/cgi-bin/webhook/send",
    DINGTALK: "/robot/send",
    FEISHU: "/open-apis/bot/v2/hook/",
}
TOKEN_PARAMS = {WECOM: "key", DINGTALK: "access_token"}

# Documented per-robot limits as (window in seconds, messages per window).
LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    WECOM: ((60, 20),),
    DINGTALK: ((60, 20),),
    FEISHU: ((60, 100), (1, 5)),
}
# How long a robot stays quiet after the platform itself said "too fast": DingTalk blocks a
# robot for 10 minutes; wecom-notifier waits 65 s after 45009; Feishu's window is a minute.
COOLDOWN_SECONDS = {WECOM: 65, DINGTALK: 600, FEISHU: 60}

# Byte limits of the message content: WeCom text 2048 / markdown 4096; a Feishu body must stay
# under 20 KB; DingTalk publishes none we could verify, so it gets the same room as Feishu.
TEXT_LIMITS = {WECOM: 2048, DINGTALK: 18_000, FEISHU: 18_000}
RICH_LIMITS = {WECOM: 4096, DINGTALK: 18_000, FEISHU: 18_000}

THROTTLE_CODES = {WECOM: {45009}, DINGTALK: {130101, 410100}, FEISHU: {11232}}
BUSY_CODES = {WECOM: {-1}, DINGTALK: {-1}, FEISHU: set()}
PLATFORM_NAMES = {
    WECOM: gettext_lazy("企业微信"),
    DINGTALK: gettext_lazy("钉钉"),
    FEISHU: gettext_lazy("飞书"),
}

CODE_HINTS: dict[tuple[str, int], StrPromise] = {
    (WECOM, 93000): gettext_lazy("Webhook 地址无效：机器人可能已被移除，请重新复制 Webhook 地址"),
    (WECOM, 40008): gettext_lazy("消息类型不受支持"),
    (WECOM, 44004): gettext_lazy("消息内容为空"),
    (DINGTALK, 300005): gettext_lazy(
        "access_token 不存在：机器人可能已被移除，请重新复制 Webhook 地址"
    ),
    (DINGTALK, 400101): gettext_lazy(
        "access_token 不存在：机器人可能已被移除，请重新复制 Webhook 地址"
    ),
    (DINGTALK, 400102): gettext_lazy("机器人已被停用"),
    (FEISHU, 19001): gettext_lazy("Webhook 地址无效：机器人可能已被移除，请重新复制 Webhook 地址"),
    (FEISHU, 19021): gettext_lazy("签名校验失败或时间戳超出 1 小时：请核对加签密钥和服务器时间"),
    (FEISHU, 19022): gettext_lazy("服务器 IP 不在机器人的 IP 白名单中"),
    (FEISHU, 19024): gettext_lazy("消息不含机器人设置的自定义关键词"),
    (FEISHU, 9499): gettext_lazy("请求格式错误"),
}
DINGTALK_310000_HINTS = (
    ("sign", gettext_lazy("签名不匹配：请核对加签密钥（SEC 开头）")),
    ("keyword", gettext_lazy("消息不含机器人设置的自定义关键词")),
    ("ip", gettext_lazy("服务器 IP 不在机器人的 IP 白名单中")),
    ("timestamp", gettext_lazy("时间戳无效：请检查服务器时间")),
)


class Outcome(StrEnum):
    SENT = "sent"
    THROTTLED = "throttled"  # the platform said "too fast": try again later, not a failure
    TRANSIENT = "transient"  # network or server trouble: retry with backoff
    PERMANENT = "permanent"  # configuration or content problem: retrying will not help


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    error: str = ""


@dataclass(frozen=True)
class Message:
    title: str
    text: str = ""
    rich: bool = False


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode()


# --- content -------------------------------------------------------------------------------


def truncate_utf8(text: str, limit: int, *, marker: str = "…") -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character, marked when cut."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    room = limit - len(marker.encode())
    return raw[: max(room, 0)].decode("utf-8", errors="ignore") + marker


def with_keyword(message: Message, keyword: str) -> Message:
    """DingTalk/Feishu drop messages lacking the robot's keyword, so prefix it when absent."""
    if not keyword or keyword in message.title or keyword in message.text:
        return message
    return Message(f"【{keyword}】{message.title}", message.text, message.rich)


def _plain(message: Message) -> str:
    return f"{message.title}\n{message.text}".strip()


# --- signing -------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC_SHA256(key=secret, msg=f"{ts}\\n{secret}")); URL-encoding happens in the query."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC_SHA256(key=f"{ts}\\n{secret}", msg=b"")): key and message swapped vs DingTalk."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- request builders ----------------------------------------------------------------------


def build_wecom(webhook: str, message: Message) -> HttpRequest:
    """企业微信: POST the webhook (key in the URL, no signing); text ≤2048 B, markdown ≤4096 B."""
    if message.rich:
        content = truncate_utf8(f"**{message.title}**\n{message.text}".strip(), RICH_LIMITS[WECOM])
        return HttpRequest(webhook, {"msgtype": "markdown", "markdown": {"content": content}})
    content = truncate_utf8(_plain(message), TEXT_LIMITS[WECOM])
    return HttpRequest(webhook, {"msgtype": "text", "text": {"content": content}})


def build_dingtalk(webhook: str, secret: str, message: Message, *, now: datetime) -> HttpRequest:
    """钉钉: timestamp (ms) and sign as query parameters when the robot uses 加签."""
    url = webhook
    if secret:
        timestamp = int(now.timestamp() * 1000)
        url = _add_query(
            webhook, {"timestamp": str(timestamp), "sign": dingtalk_sign(secret, timestamp)}
        )
    if message.rich:
        text = truncate_utf8(
            f"#### {message.title}\n\n{message.text}".strip(), RICH_LIMITS[DINGTALK]
        )
        return HttpRequest(
            url, {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
        )
    content = truncate_utf8(_plain(message), TEXT_LIMITS[DINGTALK])
    return HttpRequest(url, {"msgtype": "text", "text": {"content": content}})


def build_feishu(webhook: str, secret: str, message: Message, *, now: datetime) -> HttpRequest:
    """飞书: timestamp (s) and sign in the body when the bot uses 签名校验."""
    body: dict[str, Any] = {}
    if secret:
        timestamp = int(now.timestamp())
        body = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)}
    if message.rich:
        text = truncate_utf8(message.text, RICH_LIMITS[FEISHU])
        lines = [[{"tag": "text", "text": line}] for line in text.splitlines() if line.strip()]
        post = {"zh_cn": {"title": message.title, "content": lines}}
        body.update({"msg_type": "post", "content": {"post": post}})
    else:
        body.update(
            {
                "msg_type": "text",
                "content": {"text": truncate_utf8(_plain(message), TEXT_LIMITS[FEISHU])},
            }
        )
    return HttpRequest(webhook, body)


def build_request(
    kind: str, webhook: str, secret: str, message: Message, *, now: datetime
) -> HttpRequest:
    if kind == WECOM:
        return build_wecom(webhook, message)
    if kind == DINGTALK:
        return build_dingtalk(webhook, secret, message, now=now)
    if kind == FEISHU:
        return build_feishu(webhook, secret, message, now=now)
    raise ValueError(f"unknown robot kind {kind!r}")


def _add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))


# --- answers -------------------------------------------------------------------------------


def classify(kind: str, status: int, raw: bytes) -> Result:
    """Turn the platform's answer into an outcome with a Chinese error naming the code."""
    payload = _json(raw)
    code, message = _code_of(kind, payload)
    platform = str(PLATFORM_NAMES.get(kind, kind))
    if code is None:
        if status == 429:
            return Result(
                Outcome.THROTTLED,
                _("%(platform)s返回 HTTP 429（发送过快）") % {"platform": platform},
            )
        if status >= 500:
            return Result(
                Outcome.TRANSIENT,
                _("%(platform)s服务暂时不可用（HTTP %(status)s）")
                % {"platform": platform, "status": status},
            )
        return Result(
            Outcome.PERMANENT,
            _("%(platform)s返回无法识别的应答（HTTP %(status)s）")
            % {"platform": platform, "status": status},
        )
    if code == 0:
        return Result(Outcome.SENT)
    detail = _("%(platform)s返回 %(code)s（%(message)s）") % {
        "platform": platform,
        "code": code,
        "message": message[:200],
    }
    if code in THROTTLE_CODES.get(kind, set()):
        return Result(
            Outcome.THROTTLED, _("%(detail)s：发送过快，稍后自动重发") % {"detail": detail}
        )
    if code in BUSY_CODES.get(kind, set()):
        return Result(Outcome.TRANSIENT, _("%(detail)s：系统繁忙") % {"detail": detail})
    hint = _hint(kind, code, message)
    return Result(Outcome.PERMANENT, f"{detail}：{hint}" if hint else detail)


def _json(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _code_of(kind: str, payload: dict[str, Any] | None) -> tuple[int | None, str]:
    if payload is None:
        return None, ""
    if kind == FEISHU:
        code = payload.get("code", payload.get("StatusCode"))
        message = payload.get("msg", payload.get("StatusMessage", ""))
    else:
        code, message = payload.get("errcode"), payload.get("errmsg", "")
    if not isinstance(code, int):
        return None, ""
    return code, str(message or "")


def _hint(kind: str, code: int, message: str) -> str:
    if kind == DINGTALK and code == 310000:
        lowered = message.lower()
        return next(
            (str(hint) for needle, hint in DINGTALK_310000_HINTS if needle in lowered),
            _("安全设置校验失败"),
        )
    return str(CODE_HINTS.get((kind, code), ""))


# --- throttling ----------------------------------------------------------------------------


def throttle_wait(kind: str, recent: Iterable[datetime], now: datetime) -> timedelta:
    """How long to wait before the next call so that no documented window is exceeded.

    `recent` holds the times of earlier calls to the same robot (any order)."""
    times = sorted((t for t in recent if t <= now), reverse=True)
    wait = timedelta(0)
    for window_s, limit in LIMITS[kind]:
        window = timedelta(seconds=window_s)
        in_window = [t for t in times if t > now - window]
        if len(in_window) >= limit:
            wait = max(wait, in_window[limit - 1] + window - now)
    return wait


def backoff(attempt: int) -> timedelta:
    """Delay after the `attempt`-th failed call: 1, 2, 4, 8 … minutes, so a retry never shares
    a one-minute throttle window with the call before it."""
    return timedelta(minutes=2 ** max(attempt - 1, 0))


# --- webhook addresses ---------------------------------------------------------------------


def webhook_error(kind: str, url: str, *, extra_hosts: Sequence[str] = ()) -> str:
    """A Chinese reason why `url` is not a webhook of a `kind` robot, or "" if it is."""
    parts = urlsplit(url.strip())
    official = OFFICIAL_HOSTS[kind]
    label = str(PLATFORM_NAMES[kind])
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return _("Webhook 地址格式不正确，应以 https:// 开头")
    if host != official and host not in extra_hosts:
        return _("%(label)s机器人的 Webhook 地址应以 https://%(official)s/ 开头") % {
            "label": label,
            "official": official,
        }
    if host == official and parts.scheme != "https":
        return _("Webhook 地址必须使用 https")
    if not _token_of(kind, url):
        return _("%(label)s Webhook 地址不完整：缺少机器人标识，请从群设置中完整复制") % {
            "label": label
        }
    return ""


def _token_of(kind: str, url: str) -> str:
    parts = urlsplit(url.strip())
    if kind == FEISHU:
        prefix = HOOK_PATHS[FEISHU]
        return parts.path[len(prefix) :].strip("/") if parts.path.startswith(prefix) else ""
    if parts.path.rstrip("/") != HOOK_PATHS[kind]:
        return ""
    values = parse_qs(parts.query).get(TOKEN_PARAMS[kind], [""])
    return values[0].strip()


def mask_webhook(kind: str, url: str) -> str:
    """The webhook with its key hidden except the last 4 characters, for display."""
    token = _token_of(kind, url)
    if not token:
        return _("（地址无效）")
    masked = "****" + (token[-4:] if len(token) >= 12 else "")
    return url.strip().replace(token, masked)


# --- HTTP ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(request: HttpRequest, *, timeout: float = TIMEOUT_SECONDS) -> tuple[int, bytes]:
    """POST the JSON body; returns (HTTP status, body). Network trouble raises OSError."""
    http_request = urllib.request.Request(  # noqa: S310  (URL validated as http(s) on save)
        request.url,
        data=request.payload(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(http_request, timeout=timeout) as response:
            return response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(64 * 1024)


def send(kind: str, webhook: str, secret: str, message: Message, *, now: datetime) -> Result:
    """Build, send and classify one message; never raises for network trouble."""
    request = build_request(kind, webhook, secret, message, now=now)
    platform = str(PLATFORM_NAMES[kind])
    try:
        status, raw = post(request)
    except http.client.HTTPException as exc:
        return Result(
            Outcome.TRANSIENT,
            _("%(platform)s应答不完整（%(type)s）")
            % {"platform": platform, "type": type(exc).__name__},
        )
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            return Result(
                Outcome.TRANSIENT,
                _("%(platform)s响应超时（%(TIMEOUT_SECONDS)s 秒）")
                % {"platform": platform, "TIMEOUT_SECONDS": TIMEOUT_SECONDS},
            )
        # The reason names the socket error only; the URL (which holds the key) is left out.
        detail = getattr(reason, "strerror", None) or type(reason).__name__
        return Result(
            Outcome.TRANSIENT,
            _("无法连接%(platform)s：%(detail)s") % {"platform": platform, "detail": detail},
        )
    return classify(kind, status, raw)
