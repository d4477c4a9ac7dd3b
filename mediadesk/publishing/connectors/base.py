"""The one interface every platform connector implements, its errors and a small HTTP client.

Connectors never touch job rows themselves: they get the job (approved payload and the platform
ids known so far) and a `Progress` through which they store ids the moment they are known and
announce the call that can create a post (`before_submit`, a fence that fails if the worker lost
its lease). The services decide what an error means for the job.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import urllib3
from django.conf import settings


class PlatformError(Exception):
    """A call failed. `transient`: worth retrying; `reauth`: the user must authorise again."""

    def __init__(
        self, code: str, message: str, *, transient: bool = False, reauth: bool = False,
        raw: str = "",
    ) -> None:  # fmt: skip
        super().__init__(f"{code}: {message}")
        self.code, self.message = str(code), message
        self.transient, self.reauth, self.raw = transient, reauth, raw[:4000]


class Unsupported(PlatformError):
    """The platform's API cannot do this (e.g. delete a Douyin video): a person must."""

    def __init__(self, message: str) -> None:
        super().__init__("unsupported", message)


@dataclass
class Posted:
    """What the platform says about a post: its ids, and its URL once it is live."""

    ids: dict[str, str] = field(default_factory=dict)
    published: bool = False
    url: str = ""
    published_at: datetime | None = None
    raw: str = ""


class Progress(Protocol):
    def save(self, **ids: str) -> None: ...

    def before_submit(self) -> None: ...


class Connector(Protocol):
    code: str

    def publish(self, job: Any, progress: Progress) -> Posted: ...

    def status(self, job: Any) -> Posted | None: ...

    def find(self, job: Any) -> Posted | None: ...

    def withdraw(self, job: Any) -> None: ...

    def pull_metrics(self, job: Any) -> dict[str, int]: ...

    def check_credentials(self, connection: Any) -> None: ...


def timeout() -> float:
    return float(getattr(settings, "PUBLISHING_HTTP_TIMEOUT", 15))


def _raw(body: bytes) -> str:
    return body[:4000].decode("utf-8", "replace")


_POOL: urllib3.PoolManager | None = None
_PROXIES: dict[str, urllib3.ProxyManager] = {}


def _manager(url: str) -> urllib3.PoolManager:
    """Kept-alive connections per platform host, so a worker does not repeat the TCP and TLS
    handshakes on every call; an outbound proxy from the environment (HTTPS_PROXY, NO_PROXY)
    is used as urllib would."""
    global _POOL
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        if proxy not in _PROXIES:
            _PROXIES[proxy] = urllib3.ProxyManager(proxy, maxsize=4)
        return _PROXIES[proxy]
    if _POOL is None:
        _POOL = urllib3.PoolManager(maxsize=4)
    return _POOL


def request(
    method: str, url: str, *, params: dict[str, Any] | None = None, body: Any = None,
    form: dict[str, Any] | None = None, files: dict[str, tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Call a platform and return its JSON answer; network trouble and 5xx are transient. Never
    retried here: a call that may have created a post is only repeated after asking the
    platform (the engine's reconciliation)."""
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    data, head = _encode(body, form, files)
    head.update(headers or {})
    if not url.startswith(("http://", "https://")):
        raise PlatformError("bad_url", "平台接口地址必须是 http(s)")
    try:
        resp = _manager(url).request(
            method, url, body=data, headers=head, retries=False, redirect=False,
            timeout=urllib3.Timeout(connect=timeout(), read=timeout()),
        )  # fmt: skip
    except urllib3.exceptions.NewConnectionError as exc:
        raise PlatformError(
            "network", f"连接平台失败（{type(exc).__name__}）", transient=True
        ) from None
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        raise PlatformError("timeout", "连接平台超时", transient=True) from None
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        raise PlatformError(
            "network", f"连接平台失败（{type(exc).__name__}）", transient=True
        ) from None
    raw = resp.data
    if resp.status >= 500 or resp.status == 429:
        raise PlatformError(f"http_{resp.status}", "平台服务暂时不可用", transient=True,
                            raw=_raw(raw))  # fmt: skip
    if resp.status >= 300:
        raise PlatformError(f"http_{resp.status}", "平台拒绝了请求", raw=_raw(raw))
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PlatformError("bad_response", "平台返回了无法识别的内容", transient=True,
                            raw=_raw(raw)) from None  # fmt: skip
    if not isinstance(answer, dict):
        raise PlatformError(
            "bad_response", "平台返回了无法识别的内容", transient=True, raw=_raw(raw)
        )
    return answer


def _encode(
    body: Any, form: dict[str, Any] | None, files: dict[str, tuple[str, bytes]] | None
) -> tuple[bytes | None, dict[str, str]]:
    if files:
        return _multipart(form or {}, files)
    if form is not None:
        return urllib.parse.urlencode(form).encode(), {
            "Content-Type": "application/x-www-form-urlencoded"
        }
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return data, {"Content-Type": "application/json; charset=utf-8"}
    return None, {}


def _multipart(
    fields: dict[str, Any], files: dict[str, tuple[str, bytes]]
) -> tuple[bytes, dict[str, str]]:
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    for name, (filename, content) in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n')  # fmt: skip
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def base_url(name: str) -> str:
    return str(getattr(settings, name)).rstrip("/")


def dumps(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)[:4000]


def post_text(payload: dict[str, Any]) -> str:
    """Title, body, tags and link as one status text (Weibo, Douyin)."""
    parts = [payload.get("title", ""), payload.get("body", "")]
    tags = " ".join(f"#{t.strip()}#" for t in payload.get("tags", "").replace("，", ",").split(",")
                    if t.strip())  # fmt: skip
    parts.extend([tags, payload.get("link_url", "")])
    return "\n".join(p for p in parts if p).strip()
