"""Douyin open platform connector — domain-cn §4.3 and §3.4: OAuth2 (access token refreshed
with the refresh token), video upload (chunked above the threshold), `video/create`,
`video/list` to reconcile, `video/data` for figures. Douyin has no delete API: withdrawal is
a task for a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from mediadesk.core import crypto
from mediadesk.publishing.connectors.base import (
    PlatformError,
    Posted,
    Progress,
    Unsupported,
    base_url,
    dumps,
    post_text,
    request,
)

# error_code → (Chinese message telling what to do, transient, reauth). Codes from Douyin's
# status-code pages (old general codes 21000xx/219xxxx, new 2800xxxx) and the OAuth pages.
ERRORS: dict[int, tuple[str, bool, bool]] = {
    2100004: ("抖音系统繁忙，稍后自动重试", True, False),
    2100005: ("参数不合法，请检查视频与文案", False, False),
    2190001: ("抖音接口调用额度（quota）已用完，稍后自动重试", True, False),
    2190002: ("access_token 无效（授权已取消或失效），请重新授权", False, True),
    2190004: (
        "应用未获得该能力（需 video.create / video.data 权限），请重新授权并勾选权限",
        False,
        True,
    ),
    2190015: ("请求过于频繁，稍后自动重试", True, False),
    28001005: ("抖音系统繁忙，稍后自动重试", True, False),
    28001012: ("用户未授权该接口的权限（scope），请重新授权并勾选权限", False, True),
    28001018: ("应用未获得该能力，请重新授权并勾选权限", False, True),
    28003018: ("请求过于频繁，稍后自动重试", True, False),
    # access_token expired: refreshed with the refresh_token and the call repeated once; the
    # code only surfaces when the platform still rejects the refreshed token.
    2190008: ("抖音拒绝了 access_token（已过期，刷新后仍无效），请重新授权", False, True),
    10008: ("抖音拒绝了 access_token（已过期，刷新后仍无效），请重新授权", False, True),
    28001008: ("抖音拒绝了 access_token（已过期，刷新后仍无效），请重新授权", False, True),
    10010: ("refresh_token 已过期（30 天），请重新授权", False, True),
    10020: ("refresh_token 刷新次数已达上限，请重新授权", False, True),
}
TOKEN_EXPIRED = {2190008, 10008, 28001008}
# A missing scope: reauthorising with the scope ticked fixes it, but the token itself still
# works for what it was granted (a missing data scope must not stop publishing).
NO_SCOPE = {"2190004", "28001012", "28001018"}
FANS_SPANS = (7, 15, 30)  # date_type of /data/external/user/fans/
REFRESH_MARGIN = dt.timedelta(minutes=5)


def _base() -> str:
    return base_url("DOUYIN_API_BASE")


def _check(answer: dict[str, Any]) -> dict[str, Any]:
    data = answer.get("data", {}) if isinstance(answer.get("data"), dict) else {}
    code = int(data.get("error_code") or answer.get("err_no") or 0)
    if code == 0:
        return data
    message, transient, reauth = ERRORS.get(
        code, (f"抖音返回错误 {code}：{data.get('description', '')}", False, False)
    )
    raise PlatformError(str(code), message, transient=transient, reauth=reauth, raw=dumps(answer))


def refresh(conn: Any) -> str:
    """Exchange the refresh token for a new access token (stored sealed)."""
    from mediadesk.publishing.models import Connection

    if not conn.refresh_sealed:
        raise PlatformError("token_expired", "授权已过期，请重新授权", reauth=True)
    data = _check(request("POST", f"{_base()}/oauth/refresh_token/", form={
        "client_key": getattr(settings, "DOUYIN_CLIENT_KEY", ""), "grant_type": "refresh_token",
        "refresh_token": crypto.unseal(conn.refresh_sealed)}))  # fmt: skip
    token = str(data["access_token"])
    conn.secret_sealed = crypto.seal(token)
    conn.expires_at = timezone.now() + dt.timedelta(seconds=int(data.get("expires_in", 1296000)))
    if data.get("refresh_token"):
        conn.refresh_sealed = crypto.seal(str(data["refresh_token"]))
    Connection.objects.filter(pk=conn.pk).update(
        secret_sealed=conn.secret_sealed, expires_at=conn.expires_at,
        refresh_sealed=conn.refresh_sealed,
    )  # fmt: skip
    return token


def user_token(conn: Any, *, force: bool = False) -> str:
    if force or (conn.expires_at and conn.expires_at - REFRESH_MARGIN <= timezone.now()):
        return refresh(conn)
    return crypto.unseal(conn.secret_sealed)


def call(conn: Any, method: str, path: str, **kw: Any) -> dict[str, Any]:
    params = {**kw.pop("params", {}), "open_id": conn.app_id}
    for attempt in range(2):
        headers = {"access-token": user_token(conn, force=attempt > 0)}
        try:
            return _check(request(method, f"{_base()}{path}", params=params, headers=headers, **kw))
        except PlatformError as exc:
            if attempt == 0 and exc.code.isdigit() and int(exc.code) in TOKEN_EXPIRED:
                continue
            raise
    raise AssertionError("unreachable")


def _video(payload: dict[str, Any]) -> Any:
    from mediadesk.content.models import Asset

    asset = Asset.objects.filter(pk__in=payload.get("asset_ids", []), kind="video").first()
    if asset is None:
        raise PlatformError(
            "no_video", "抖音平台稿需要一个视频素材：请在内容中添加视频后重新提交审核"
        )
    return asset


def upload(conn: Any, asset: Any) -> str:
    """Upload the video (chunked above DOUYIN_CHUNK_THRESHOLD) and return its video_id."""
    threshold = int(getattr(settings, "DOUYIN_CHUNK_THRESHOLD", 50 * 1024 * 1024))
    chunk = int(getattr(settings, "DOUYIN_CHUNK_BYTES", 20 * 1024 * 1024))
    with asset.file.open("rb") as fh:
        content = bytes(fh.read())
    if len(content) <= threshold:
        data = call(conn, "POST", "/video/upload/", files={"video": ("video.mp4", content)})
        return str(data["video"]["video_id"])
    upload_id = str(call(conn, "POST", "/video/part/init/")["upload_id"])
    for number, start in enumerate(range(0, len(content), chunk), start=1):
        call(conn, "POST", "/video/part/upload/", params={"upload_id": upload_id,
             "part_number": number}, files={"video": ("part", content[start : start + chunk])})  # fmt: skip
    data = call(conn, "POST", "/video/part/complete/", params={"upload_id": upload_id})
    return str(data["video"]["video_id"])


class DouyinConnector:
    code = "douyin"

    def publish(self, job: Any, progress: Progress) -> Posted:
        conn = job.account.connection
        if not job.media_id:
            progress.save(media_id=upload(conn, _video(job.payload)))
        user_token(conn)  # a refresh happens before the fence, not after it
        progress.before_submit()
        data = call(conn, "POST", "/video/create/", body={"video_id": job.media_id,
                                                          "text": post_text(job.payload)})  # fmt: skip
        return self._posted(str(data["item_id"]), "", dumps(data))

    def _posted(self, item_id: str, share_url: str, raw: str) -> Posted:
        url = share_url or f"https://www.douyin.com/video/{item_id}"
        return Posted(ids={"external_id": item_id}, published=True, url=url,
                      published_at=timezone.now(), raw=raw)  # fmt: skip

    def status(self, job: Any) -> Posted | None:
        return self.find(job)

    def find(self, job: Any) -> Posted | None:
        """The video among the account's videos since the first try (following the cursor)."""
        since = (job.submit_started_at or job.created_at).timestamp() - 120
        text, cursor = post_text(job.payload), 0
        for _ in range(1000):
            data = call(job.account.connection, "GET", "/video/list/",
                        params={"cursor": cursor, "count": 20})  # fmt: skip
            for row in data.get("list", []):
                if int(row.get("create_time", 0)) < since:
                    return None
                if row.get("title") == text:
                    return self._posted(
                        str(row["item_id"]), str(row.get("share_url", "")), dumps(row)
                    )
            if not data.get("has_more"):
                return None
            cursor = int(data.get("cursor", 0))
        return None

    def withdraw(self, job: Any) -> None:
        raise Unsupported("抖音开放平台不提供删除视频的接口，请在抖音 App 中手动删除后确认")

    def pull_metrics(self, job: Any) -> dict[str, int]:
        data = call(job.account.connection, "POST", "/video/data/",
                    body={"item_ids": [job.external_id]})  # fmt: skip
        for row in data.get("list", []):
            if str(row.get("item_id")) == job.external_id:
                s = row.get("statistics", {})
                return {"reads": int(s.get("play_count", 0)), "likes": int(s.get("digg_count", 0)),
                        "comments": int(s.get("comment_count", 0)),
                        "shares": int(s.get("share_count", 0)) + int(s.get("forward_count", 0))}  # fmt: skip
        raise PlatformError("no_data", "平台暂无该视频的数据", transient=True)

    def account_daily(
        self, conn: Any, first: dt.date, last: dt.date
    ) -> dict[dt.date, dict[str, int]]:
        """粉丝数 and 新增粉丝 per day from `first` to `last` (`/data/external/user/fans/`, scope
        `data.external.user`): Douyin gives the last 7, 15 or 30 days up to yesterday."""
        back = (timezone.localdate() - first).days
        span = next((s for s in FANS_SPANS if s >= back), None)
        if span is None:
            raise PlatformError("no_data", "抖音只提供最近 30 天的粉丝数据")
        data = call(conn, "GET", "/data/external/user/fans/", params={"date_type": span})
        out: dict[dt.date, dict[str, int]] = {}
        for row in data.get("result_list") or []:
            day = _day(row.get("date"))
            if day is not None and first <= day <= last:
                out[day] = {"followers": int(row.get("total_fans") or 0),
                            "new_followers": int(row.get("new_fans") or 0)}  # fmt: skip
        return out

    def check_credentials(self, conn: Any) -> None:
        call(conn, "GET", "/video/list/", params={"cursor": 0, "count": 1})


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
