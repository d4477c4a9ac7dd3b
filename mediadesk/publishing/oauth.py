"""OAuth2 connect/re-connect for Douyin and Weibo: the authorise URL (state signed with the
account and user, valid 10 minutes) and the code → token exchange at the callback."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.publishing.connectors.base import PlatformError, base_url, request
from mediadesk.publishing.connectors.douyin import _check as douyin_check
from mediadesk.publishing.connectors.weibo import _check as weibo_check

SALT = "publishing.oauth"
MAX_AGE = 600
OAUTH_PLATFORMS = {"douyin", "weibo"}
# data.external.user: the daily 粉丝数/新增粉丝 series (/data/external/user/fans/, domain-cn §4.3)
DOUYIN_SCOPES = "video.create,video.data,video.list,fans.data,data.external.user"


def authorise_url(code: str, *, account_id: int, user_id: int, redirect_uri: str) -> str:
    """Where to send the browser to authorise the account."""
    state = signing.dumps({"a": account_id, "u": user_id}, salt=SALT)
    if code == "douyin":
        query = {"client_key": getattr(settings, "DOUYIN_CLIENT_KEY", ""), "response_type": "code",
                 "scope": DOUYIN_SCOPES, "redirect_uri": redirect_uri, "state": state}  # fmt: skip
        return f"{base_url('DOUYIN_API_BASE')}/platform/oauth/connect/?{urlencode(query)}"
    query = {"client_id": getattr(settings, "WEIBO_APP_KEY", ""), "response_type": "code",
             "redirect_uri": redirect_uri, "state": state}  # fmt: skip
    return f"{base_url('WEIBO_API_BASE')}/oauth2/authorize?{urlencode(query)}"


def read_state(state: str) -> tuple[int, int]:
    """(account id, user id) of a state this server signed in the last 10 minutes."""
    try:
        data = signing.loads(state, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise PlatformError("bad_state", _("授权链接已过期或无效，请重新发起授权")) from None
    return int(data["a"]), int(data["u"])


def exchange(code: str, auth_code: str, *, redirect_uri: str) -> dict[str, Any]:
    """The connection values (`access_token`, `refresh_token`, `expires_at`, `open_id`)."""
    if code == "douyin":
        data = douyin_check(request("POST", f"{base_url('DOUYIN_API_BASE')}/oauth/access_token/", form={
            "client_key": getattr(settings, "DOUYIN_CLIENT_KEY", ""),
            "client_secret": getattr(settings, "DOUYIN_CLIENT_SECRET", ""),
            "code": auth_code, "grant_type": "authorization_code"}))  # fmt: skip
        open_id = data.get("open_id", "")
    else:
        data = weibo_check(request("POST", f"{base_url('WEIBO_API_BASE')}/oauth2/access_token", form={
            "client_id": getattr(settings, "WEIBO_APP_KEY", ""),
            "client_secret": getattr(settings, "WEIBO_APP_SECRET", ""),
            "grant_type": "authorization_code", "code": auth_code, "redirect_uri": redirect_uri}))  # fmt: skip
        open_id = data.get("uid", "")
    expires = timezone.now() + dt.timedelta(seconds=int(data.get("expires_in", 0) or 0))
    return {"access_token": str(data.get("access_token", "")), "open_id": str(open_id),
            "refresh_token": str(data.get("refresh_token", "")),
            "expires_at": expires if data.get("expires_in") else None}  # fmt: skip
