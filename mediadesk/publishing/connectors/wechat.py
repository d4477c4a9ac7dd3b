"""WeChat Official Account (公众号) connector — domain-cn §4.1 and §3.1.

Token: `GET /cgi-bin/token` is quota-limited, so the token is cached (sealed) on the connection
and refreshed by one worker at a time: the refresher wins a compare-and-set on
`refreshing_until`; the others wait for the new token. Publishing: cover via
`material/add_material`, body images via `media/uploadimg`, `draft/add`, `freepublish/submit`,
then `freepublish/get` polling; `freepublish/delete` withdraws.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from typing import Any

from django.db.models import Q
from django.utils import timezone

from mediadesk.core import crypto
from mediadesk.publishing.connectors.base import (
    PlatformError,
    Posted,
    Progress,
    base_url,
    dumps,
    request,
)

# errcode → (Chinese message telling what to do, transient, reauth)
ERRORS: dict[int, tuple[str, bool, bool]] = {
    -1: ("微信系统繁忙，稍后自动重试", True, False),
    40001: ("access_token 无效，已重新获取", True, False),
    42001: ("access_token 已过期，已重新获取", True, False),
    40125: ("AppSecret 错误，请重新授权（重新填写 AppID/AppSecret）", False, True),
    40013: ("AppID 无效，请重新授权（检查 AppID）", False, True),
    40164: (
        "调用接口的服务器 IP 不在公众号的 IP 白名单中：请管理员登录公众号后台 → 设置与开发 → 基本配置，把服务器 IP 加入白名单",
        False,
        False,
    ),
    45003: (
        "标题超过公众号限制（不超过 32 字，建议 20 字以内），请缩短标题后重新提交审核",
        False,
        False,
    ),
    45004: ("摘要超过 128 字，请缩短后重新提交审核", False, False),
    45009: ("接口调用已达今日上限，稍后自动重试", True, False),
    48001: (
        "公众号没有该接口权限（发布接口需已认证的企业主体公众号），请改为手动发布",
        False,
        False,
    ),
    53503: ("草稿未通过发布校验，请检查内容后重新提交审核", False, False),
    53504: ("该草稿需在公众号网页后台操作，请改为手动发布", False, False),
    53505: ("请先在公众号后台手动保存草稿后再发布", False, False),
}
TOKEN_INVALID = {40001, 42001, 40014}
TITLE_MAX, AUTHOR_MAX, DIGEST_MAX, CONTENT_MAX = 32, 16, 128, 20_000
REFRESH_MARGIN = dt.timedelta(minutes=5)
IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)


def _base() -> str:
    return base_url("WECHAT_API_BASE")


def _check(answer: dict[str, Any]) -> dict[str, Any]:
    code = int(answer.get("errcode") or 0)
    if code == 0:
        return answer
    message, transient, reauth = ERRORS.get(
        code, (f"微信返回错误 {code}：{answer.get('errmsg', '')}", False, False)
    )
    raise PlatformError(str(code), message, transient=transient, reauth=reauth, raw=dumps(answer))


# --- the access token, refreshed by one worker -------------------------------------------------


def _cached(conn: Any, now: dt.datetime) -> str | None:
    conn.refresh_from_db(fields=["token_sealed", "token_expires_at", "refreshing_until"])
    if conn.token_sealed and conn.token_expires_at and conn.token_expires_at - REFRESH_MARGIN > now:
        return crypto.unseal(conn.token_sealed)
    return None


def access_token(conn: Any, *, force: bool = False) -> str:
    """The account's cached token, refreshed before expiry by one worker at a time."""
    from mediadesk.publishing.models import Connection

    for _ in range(50):
        now = timezone.now()
        token = None if force else _cached(conn, now)
        if token:
            return token
        won = Connection.objects.filter(
            Q(refreshing_until__isnull=True) | Q(refreshing_until__lt=now), pk=conn.pk
        ).update(refreshing_until=now + dt.timedelta(seconds=30))
        if won:
            return _refresh(conn)
        force = False
        time.sleep(0.2)  # another worker is refreshing right now
    raise PlatformError("token_busy", "获取 access_token 超时，稍后自动重试", transient=True)


def _refresh(conn: Any) -> str:
    from mediadesk.publishing.models import Connection

    try:
        answer = _check(request("GET", f"{_base()}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": conn.app_id,
            "secret": crypto.unseal(conn.secret_sealed)}))  # fmt: skip
    finally:
        Connection.objects.filter(pk=conn.pk).update(refreshing_until=None)
    token = str(answer["access_token"])
    expires = timezone.now() + dt.timedelta(seconds=int(answer.get("expires_in", 7200)))
    Connection.objects.filter(pk=conn.pk).update(
        token_sealed=crypto.seal(token), token_expires_at=expires
    )
    return token


def call(conn: Any, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """An authenticated call; an invalid/expired token is refreshed once and the call repeated."""
    for attempt in range(2):
        params = {**kwargs.pop("params", {}), "access_token": access_token(conn, force=attempt > 0)}
        try:
            return _check(request(method, f"{_base()}{path}", params=params, **kwargs))
        except PlatformError as exc:
            if attempt == 0 and exc.code.isdigit() and int(exc.code) in TOKEN_INVALID:
                kwargs["params"] = {k: v for k, v in params.items() if k != "access_token"}
                continue
            raise
    raise AssertionError("unreachable")


# --- media -------------------------------------------------------------------------------------


def _asset_bytes(asset: Any) -> bytes:
    with asset.file.open("rb") as fh:
        return bytes(fh.read())


def _material(conn: Any, asset: Any, kind: str) -> tuple[str, str]:
    """Upload a library asset once per account (thumb/image media_id or body-image URL)."""
    from mediadesk.publishing.models import Material

    found = Material.objects.filter(account_id=conn.account_id, asset=asset, kind=kind).first()
    if found:
        return found.media_id, found.url
    name = asset.file.name.rsplit("/", 1)[-1] or "image.jpg"
    files = {"media": (name, _asset_bytes(asset))}
    if kind == "bodyimg":
        answer = call(conn, "POST", "/cgi-bin/media/uploadimg", files=files)
    else:
        answer = call(conn, "POST", "/cgi-bin/material/add_material", params={"type": kind},
                      files=files)  # fmt: skip
    media_id, url = str(answer.get("media_id", "")), str(answer.get("url", ""))
    Material.objects.get_or_create(account_id=conn.account_id, asset=asset, kind=kind,
                                   defaults={"media_id": media_id, "url": url})  # fmt: skip
    return media_id, url


def _thumb(conn: Any, payload: dict[str, Any]) -> str:
    from mediadesk.content.models import Asset

    cover_id = payload.get("cover_id")
    asset = Asset.objects.filter(pk=cover_id).first() if cover_id else None
    if asset is None:
        raise PlatformError(
            "no_cover", "公众号图文必须有封面图：请在平台稿中选择封面后重新提交审核"
        )
    kind = "thumb" if asset.size and asset.size <= 64 * 1024 else "image"
    return _material(conn, asset, kind)[0]


def content_html(conn: Any, body: str, organisation_id: int) -> str:
    """The body as article HTML; library images are re-hosted through media/uploadimg (WeChat
    filters out external image URLs)."""
    from mediadesk.content.models import Asset

    text = (
        body
        if "<" in body and ">" in body
        else "".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines() if line.strip())
    )

    def rehost(match: re.Match[str]) -> str:
        src = match.group(2)
        name = src.split("/media/", 1)[-1] if "/media/" in src else ""
        asset = (
            Asset.objects.filter(organisation_id=organisation_id, file=name).first()
            if name
            else None
        )
        if asset is None:
            return match.group(0)
        return f"{match.group(1)}{_material(conn, asset, 'bodyimg')[1]}{match.group(3)}"

    return IMG_SRC.sub(rehost, text)


def check_limits(payload: dict[str, Any], content: str) -> None:
    """Field limits checked before any call (domain-cn §4.1)."""
    if len(payload.get("title", "")) > TITLE_MAX:
        raise PlatformError("45003", ERRORS[45003][0])
    if len(payload.get("author", "")) > AUTHOR_MAX:
        raise PlatformError("author_too_long", "作者不能超过 16 字")
    if len(payload.get("digest", "")) > DIGEST_MAX:
        raise PlatformError("45004", ERRORS[45004][0])
    if len(content) >= CONTENT_MAX or len(content.encode()) >= 1024 * 1024:
        raise PlatformError("content_too_long", "正文超过公众号限制（2 万字以内且小于 1MB）")


# --- the connector -----------------------------------------------------------------------------


class WechatConnector:
    code = "wechat_mp"

    def publish(self, job: Any, progress: Progress) -> Posted:
        conn, payload = job.account.connection, job.payload
        if not job.media_id:
            content = content_html(conn, payload.get("body", ""), job.organisation_id)
            check_limits(payload, content)
            article = {"article_type": "news", "title": payload.get("title", ""),
                       "author": payload.get("author", ""), "digest": payload.get("digest", ""),
                       "content": content, "content_source_url": payload.get("link_url", ""),
                       "thumb_media_id": _thumb(conn, payload), "need_open_comment": 1}  # fmt: skip
            answer = call(conn, "POST", "/cgi-bin/draft/add", body={"articles": [article]})
            progress.save(media_id=str(answer["media_id"]))
        access_token(conn)  # any token wait or refresh happens before the fence, not after it
        progress.before_submit()
        answer = call(conn, "POST", "/cgi-bin/freepublish/submit", body={"media_id": job.media_id})
        progress.save(publish_id=str(answer["publish_id"]))
        return Posted(ids={"publish_id": job.publish_id}, raw=dumps(answer))

    def status(self, job: Any) -> Posted | None:
        answer = call(job.account.connection, "POST", "/cgi-bin/freepublish/get",
                      body={"publish_id": job.publish_id})  # fmt: skip
        state = int(answer.get("publish_status", 1))
        if state == 1:
            return None
        if state != 0:
            reasons = {
                2: "原创声明失败",
                3: "常规失败",
                4: "平台审核不通过",
                5: "发布后被删除",
                6: "发布后被封禁",
            }
            raise PlatformError(f"publish_status_{state}",
                                f"公众号发布失败：{reasons.get(state, state)}", raw=dumps(answer))  # fmt: skip
        items = answer.get("article_detail", {}).get("item", [])
        url = str(items[0].get("article_url", "")) if items else ""
        return Posted(ids={"external_id": str(answer.get("article_id", ""))}, published=True,
                      url=url, published_at=timezone.now(), raw=dumps(answer))  # fmt: skip

    def find(self, job: Any) -> Posted | None:
        """Did the post go out? By publish_id if known, else the published list by title+time."""
        if job.publish_id:
            # Submitted: the platform has it; still publishing is "submitted", not "absent".
            return self.status(job) or Posted(ids={"publish_id": job.publish_id})
        since = (job.submit_started_at or job.created_at).timestamp() - 120
        for item in self._published_since(job.account.connection, since):
            news = item.get("content", {}).get("news_item", [])
            if news and news[0].get("title") == job.payload.get("title"):
                return Posted(ids={"external_id": str(item.get("article_id", ""))}, published=True,
                              url=str(news[0].get("url", "")), published_at=timezone.now(),
                              raw=dumps(item))  # fmt: skip
        return None

    def _published_since(self, conn: Any, since: float) -> Any:
        """Every published item newer than `since`, paging `freepublish/batchget` (newest
        first, 20 a page) — a busy account may have many posts after the one we look for."""
        offset = 0
        while True:
            answer = call(conn, "POST", "/cgi-bin/freepublish/batchget",
                          body={"offset": offset, "count": 20, "no_content": 1})  # fmt: skip
            items = answer.get("item", [])
            for item in items:
                if item.get("update_time", 0) < since:
                    return
                yield item
            offset += len(items)
            if not items or offset >= int(answer.get("total_count", 0)):
                return

    def withdraw(self, job: Any) -> None:
        call(job.account.connection, "POST", "/cgi-bin/freepublish/delete",
             body={"article_id": job.external_id, "index": 0})  # fmt: skip

    def pull_metrics(self, job: Any) -> dict[str, int]:
        day = timezone.localdate(job.published_at).isoformat()
        answer = call(job.account.connection, "POST", "/datacube/getarticletotal",
                      body={"begin_date": day, "end_date": day})  # fmt: skip
        for row in answer.get("list", []):
            if row.get("title") == job.payload.get("title") and row.get("details"):
                d = row["details"][-1]
                return {"reads": d.get("int_page_read_count", 0), "readers": d.get("int_page_read_user", 0),
                        "shares": d.get("share_count", 0), "sharers": d.get("share_user", 0),
                        "favourites": d.get("add_to_fav_count", 0), "delivered": d.get("target_user", 0)}  # fmt: skip
        raise PlatformError("no_data", "平台暂无该文章的数据", transient=True)

    def account_daily(
        self, conn: Any, first: dt.date, last: dt.date
    ) -> dict[dt.date, dict[str, int]]:
        """Follower figures per day from `first` to `last` (at most 7 days, as datacube allows):
        新关注/取消关注 summed over the sources of `getusersummary`, 累积关注 from
        `getusercumulate`. Only what the platform reports: a day it leaves out stays out."""
        body = {"begin_date": first.isoformat(), "end_date": last.isoformat()}
        summary = call(conn, "POST", "/datacube/getusersummary", body=body).get("list", [])
        cumulate = call(conn, "POST", "/datacube/getusercumulate", body=body).get("list", [])
        out: dict[dt.date, dict[str, int]] = {}
        for row in summary:
            day = _ref_date(row, first, last)
            if day is not None:
                values = out.setdefault(day, {"new_followers": 0, "cancelled_followers": 0})
                values["new_followers"] += int(row.get("new_user") or 0)
                values["cancelled_followers"] += int(row.get("cancel_user") or 0)
        for row in cumulate:
            day = _ref_date(row, first, last)
            if day is not None:
                out.setdefault(day, {})["followers"] = int(row.get("cumulate_user") or 0)
        return out

    def check_credentials(self, conn: Any) -> None:
        access_token(conn, force=True)


def _ref_date(row: dict[str, Any], first: dt.date, last: dt.date) -> dt.date | None:
    """A datacube row's `ref_date` when it falls in [first, last]."""
    try:
        day = dt.date.fromisoformat(str(row.get("ref_date", ""))[:10])
    except ValueError:
        return None
    return day if first <= day <= last else None
