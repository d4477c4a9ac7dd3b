"""API: tokens and projects."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Path, Query, Router, Schema, Status

from mediadesk.core import phone, scopes
from mediadesk.core.api_support import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    form_checked,
    form_data,
    listed,
    who,
)
from mediadesk.core.middleware import client_ip
from mediadesk.core.schemas import MAX_ID, BodyIn, ErrorOut, Id, Page, PageIn, caller, page_of
from mediadesk.orgs import auth, queries, services
from mediadesk.orgs.filters import UserFilters
from mediadesk.orgs.forms import GrantForm
from mediadesk.orgs.models import Company, Project, RoleGrant, User
from mediadesk.orgs.roles import Role
from mediadesk.orgs.schemas import ProjectOut, TokenIn, TokenOut

router = Router(tags=["组织"])
PathId = Path(..., ge=1, le=MAX_ID)

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


# --- users, role grants, companies (administrators; the user pages' forms and services) -------

ADMIN = "系统管理员（本组织）"


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    scope: str

    @staticmethod
    def resolve_role_label(obj: RoleGrant) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_scope(obj: RoleGrant) -> str:
        return str(obj.scope_label)


class UserOut(Schema):
    """A user as the user list shows them: the phone masked."""

    id: int
    username: str
    display_name: str
    email: str
    phone_masked: str
    is_active: bool
    grants: list[GrantOut]

    @staticmethod
    def resolve_phone_masked(obj: User) -> str:
        return phone.mask(obj.phone)

    @staticmethod
    def resolve_grants(obj: User) -> list[RoleGrant]:
        return list(obj.role_grants.all())


class GrantIn(BodyIn):
    role: Role
    scope: Literal["org", "company", "project"] = "org"
    company: Id | None = None
    project: Id | None = None


class CompanyOut(Schema):
    id: int
    name: str
    city: str
    projects: list[ProjectOut]

    @staticmethod
    def resolve_projects(obj: Company) -> list[Project]:
        return list(obj.projects.all())


def _users(request: HttpRequest) -> Any:
    user = caller(request)
    queries.require_admin(user)
    return queries.manageable_users(user)


@router.get(
    "/users",
    response={200: Page[UserOut], **READ_ERRORS},
    summary=_("用户列表"),
    description=who(ADMIN) + "。筛选、排序与用户管理页相同；手机号脱敏。",
)
def list_users(request: HttpRequest, filters: Query[UserFilters], page: Query[PageIn]) -> Any:
    return listed(_users(request), filters, page)


@router.get(
    "/users/{user_id}",
    response={200: UserOut, **ONE_ERRORS},
    summary=_("用户详情（含角色授权）"),
    description=who(ADMIN),
)
def get_user(request: HttpRequest, user_id: int = PathId) -> Any:
    return scopes.get_or_404(_users(request), user_id)


@router.post(
    "/users/{user_id}/roles",
    response={201: GrantOut, **WRITE_ERRORS},
    summary=_("授予角色"),
    description=who(ADMIN) + "。scope=org|company|project，与用户页的授权表单相同的校验与审计。",
)
def grant_role(request: HttpRequest, payload: GrantIn, user_id: int = PathId) -> Any:
    by = caller(request)
    target = scopes.get_or_404(_users(request), user_id)
    data = form_data({}, payload.model_dump())
    form = form_checked(GrantForm(data, organisation=queries.require_admin(by)))
    values = form.cleaned_data
    grant = services.grant_role(
        target, by=by, role=values["role"], company=values["company"], project=values["project"]
    )
    return Status(201, grant)


@router.delete(
    "/users/{user_id}/roles/{grant_id}",
    response={204: None, **WRITE_ERRORS},
    summary=_("撤销角色"),
    description=who(ADMIN),
)
def revoke_role(request: HttpRequest, user_id: int = PathId, grant_id: int = PathId) -> Any:
    target = scopes.get_or_404(_users(request), user_id)
    grant = scopes.get_or_404(RoleGrant.objects.filter(user=target), grant_id)
    services.revoke_role(grant, by=caller(request))
    return Status(204, None)


@router.get(
    "/companies",
    response={200: Page[CompanyOut], **READ_ERRORS},
    summary=_("城市公司及其项目"),
    description=who(ADMIN) + "。与组织架构页相同。",
)
def list_companies(request: HttpRequest, page: Query[PageIn]) -> Any:
    organisation = queries.require_admin(caller(request))
    qs = queries.organisation_structure(organisation.pk)
    return page_of(qs, page)
