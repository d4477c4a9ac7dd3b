"""API: tokens and projects."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Status

from mediadesk.core.middleware import client_ip
from mediadesk.core.schemas import ErrorOut, Page, PageIn, caller, page_of
from mediadesk.orgs import auth, queries, services
from mediadesk.orgs.models import User
from mediadesk.orgs.schemas import ProjectOut, TokenIn, TokenOut

router = Router(tags=["组织"])

LOCKED = gettext_lazy("登录失败次数过多，账户已临时锁定，请 15 分钟后再试或联系管理员")
THROTTLED = gettext_lazy("此网络地址登录失败次数过多，请稍后再试")
BAD_LOGIN = gettext_lazy("用户名/手机号或密码不正确")


def _error(status: int, detail: str, field: str | None = None, message: str = "") -> Status[Any]:
    errors = [{"field": field, "message": message}] if field else []
    return Status(status, {"detail": detail, "errors": errors})


def _second_factor(request: HttpRequest, user: User, otp: str) -> Status[Any] | None:
    """The error answer when the TOTP code is missing or wrong (counted like the login page's)."""
    if not otp.strip():
        return _error(401, _("该用户已启用两步验证，请同时提交 otp"), "otp", _("请填写 6 位验证码"))
    # Failures are counted under the username whichever login name (phone) was typed.
    if auth.is_locked(user.username):
        return _error(429, str(LOCKED))
    if not auth.verify_totp(user, otp):
        auth.record_failure(user.username, client_ip(request))
        return _error(401, _("验证码不正确"), "otp", _("验证码不正确"))
    return None


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    summary=_("用用户名（或手机号）和密码换取 API 令牌"),
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Throttled exactly like the login page; TOTP users must also send `otp`."""
    try:
        user = auth.check_credentials(request, payload.username, payload.password)
    except auth.Throttled:
        return _error(429, str(THROTTLED))
    except auth.LockedOut:
        return _error(429, str(LOCKED))
    if user is None:
        return _error(401, str(BAD_LOGIN))
    if user.totp_enabled:
        problem = _second_factor(request, user, payload.otp)
        if problem is not None:
            return problem
        auth.clear_failures(user.username)
        auth.clear_failures(payload.username)
    _token, key = services.create_api_token(user, by=user, name=payload.name or _("API 登录"))
    return {"token": key}


@router.get("/projects", response=Page[ProjectOut], summary=_("可见的项目"))
def list_projects(request: HttpRequest, page: Query[PageIn]) -> Any:
    qs = queries.visible_projects(caller(request)).order_by("company__name", "name", "id")
    return page_of(qs, page)
