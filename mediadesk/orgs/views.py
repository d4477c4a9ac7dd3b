"""Login and logout, the settings index, user and organisation administration, the profile page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pyotp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mediadesk.core import audit, phone, scopes
from mediadesk.core.excel import xlsx_response
from mediadesk.core.middleware import client_ip
from mediadesk.core.params import id_param
from mediadesk.orgs import auth, handover, queries, services
from mediadesk.orgs.forms import (
    ChangePasswordForm,
    CompanyForm,
    DeactivateForm,
    GrantForm,
    LoginForm,
    NewPasswordForm,
    ProjectForm,
    TokenForm,
    TotpDisableForm,
    TotpForm,
    UserCreateForm,
    UserEditForm,
    apply_service_errors,
)
from mediadesk.orgs.models import ApiToken, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Role

PENDING = "mediadesk_pending_user"
TOTP_SETUP = "mediadesk_totp_setup_secret"
USERS_PER_PAGE = 30


# --- login -------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_not_required
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = auth.check_credentials(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except auth.Throttled:
            error = _("此网络地址登录失败次数过多，请稍后再试")
        except auth.LockedOut:
            minutes = int(settings.LOGIN_LOCKOUT.total_seconds() // 60)
            error = _("登录失败次数过多，账户已临时锁定，请 %(minutes)s 分钟后再试或联系管理员") % {
                "minutes": minutes
            }
        else:
            if user is None:
                error = _("用户名/手机号或密码不正确")
            elif user.totp_enabled:
                request.session[PENDING] = user.pk
                return redirect(f"/login/totp/?{urlencode({'next': _next_url(request)})}")
            else:
                login(request, user)
                return redirect(_next_url(request))
    return render(
        request, "orgs/login.html", {"form": form, "error": error, "next": _next_url(request)}
    )


@login_not_required
def login_totp(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("orgs:login")
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if auth.is_locked(user.username):
            error = _("验证失败次数过多，请稍后再试")
        elif auth.verify_totp(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            auth.clear_failures(user.username)
            login(request, user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
            return redirect(_next_url(request))
        else:
            auth.record_failure(user.username, ip)
            error = _("验证码不正确")
    return render(
        request, "orgs/login_totp.html", {"form": form, "error": error, "next": _next_url(request)}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("已退出登录"))
    return redirect("orgs:login")


# --- settings index ----------------------------------------------------------------------


def _url_or(name: str, fallback: str) -> str:
    # Pages of other apps that may not be wired yet: link to their agreed path meanwhile.
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def settings_index(request: HttpRequest) -> HttpResponse:
    links = {
        "platforms": _url_or("matrix:platforms", "/matrix/platforms/"),
        "rules": _url_or("matrix:rules", "/matrix/rules/"),
        "robots": _url_or("notifications:robots", "/notifications/robots/"),
    }
    return render(request, "orgs/settings.html", {"nav_active": "settings", "links": links})


# --- user administration (organisation admins) --------------------------------------------


def _admin_org(request: HttpRequest) -> Organisation:
    """The organisation the requesting user administers; 403 for everyone else."""
    return queries.require_admin(request.user)


def _managed_user(request: HttpRequest, pk: int) -> User:
    """A user of the administered organisation; users of other organisations are 404."""
    _admin_org(request)
    return scopes.get_or_404(queries.manageable_users(request.user), pk)


def _filter_params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def user_list(request: HttpRequest) -> HttpResponse:
    org = _admin_org(request)
    users = queries.filter_users(queries.manageable_users(request.user), request.GET)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    for u in page:
        u.masked_phone = phone.mask(u.phone)  # type: ignore[attr-defined]
    context = {
        "nav_active": "settings",
        "page": page,
        "params": _filter_params(request),
        "roles": Role.choices,
        "companies": queries.organisation_structure(org.pk),
    }
    return render(request, "orgs/user_list.html", context)


def _grants_text(user: User) -> str:
    return "；".join(f"{g.get_role_display()}（{g.scope_label}）" for g in user.role_grants.all())


def user_export(request: HttpRequest) -> HttpResponse:
    _admin_org(request)
    users = queries.filter_users(queries.manageable_users(request.user), request.GET)[:50_000]
    rows = (
        (u.username, u.display_name, phone.mask(u.phone), u.email, _grants_text(u),
         _("启用") if u.is_active else _("停用"), _("是") if u.totp_enabled else _("否"), u.last_login, u.date_joined)
        for u in users
    )  # fmt: skip
    headers = [
        _("用户名"),
        _("姓名"),
        _("手机号"),
        _("邮箱"),
        _("角色与范围"),
        _("状态"),
        _("两步验证"),
        _("最近登录"),
        _("创建时间"),
    ]
    return xlsx_response(
        _("用户-%(localtime)s.xlsx") % {"localtime": timezone.localtime().strftime("%Y%m%d-%H%M")},
        headers,
        rows,
    )


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    org = _admin_org(request)
    form = UserCreateForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                by=request.user, organisation=org, username=data["username"], password=data["password"],
                display_name=data["display_name"], phone_number=data["phone"], email=data["email"],
                role=data["role"], company=data["company"], project=data["project"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已创建用户 %(label)s") % {"label": user.label})
            return redirect("orgs:user_detail", pk=user.pk)
    return render(
        request, "orgs/user_form.html", {"nav_active": "settings", "form": form, "creating": True}
    )


def _user_page(
    request: HttpRequest,
    user: User,
    *,
    grant_form: GrantForm | None = None,
    reset_form: NewPasswordForm | None = None,
) -> HttpResponse:
    org = _admin_org(request)
    context = {
        "nav_active": "settings",
        "target": user,
        "masked_phone": phone.mask(user.phone),
        "grants": user.role_grants.select_related("company", "project", "organisation").order_by(
            "granted_at"
        ),
        "active_tokens": user.api_tokens.filter(revoked_at__isnull=True).count(),
        "grant_form": grant_form or GrantForm(organisation=org),
        "reset_form": reset_form or NewPasswordForm(),
        "history": audit.label_entries(audit.history(user)[:50]),
    }
    return render(request, "orgs/user_detail.html", context)


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, _managed_user(request, pk))


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    initial = {"display_name": user.display_name, "phone": user.phone, "email": user.email}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                user, by=request.user, display_name=data["display_name"], phone_number=data["phone"],
                email=data["email"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存用户资料"))
            return redirect("orgs:user_detail", pk=user.pk)
    context = {"nav_active": "settings", "form": form, "target": user, "creating": False}
    return render(request, "orgs/user_form.html", context)


@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    form = GrantForm(request.POST, organisation=_admin_org(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.grant_role(
                user,
                by=request.user,
                role=data["role"],
                company=data["company"],
                project=data["project"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已授予 %(grant)s") % {"grant": grant})
            return redirect("orgs:user_detail", pk=user.pk)
    return _user_page(request, user, grant_form=form)


@require_POST
def role_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    grant = get_object_or_404(RoleGrant, pk=grant_pk, user=user)
    label = str(grant)
    services.revoke_role(grant, by=request.user)
    messages.success(request, _("已撤销 %(label)s") % {"label": label})
    return redirect("orgs:user_detail", pk=user.pk)


@require_POST
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    form = NewPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.change_password(
                user, by=request.user, new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, rename={"password": "new_password"})
        else:
            messages.success(
                request,
                _("已重置 %(label)s 的密码，请通过安全渠道告知本人") % {"label": user.label},
            )
            return redirect("orgs:user_detail", pk=user.pk)
    return _user_page(request, user, reset_form=form)


@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    if not user.is_active:
        messages.info(request, _("该用户已停用"))
        return redirect("orgs:user_detail", pk=user.pk)
    form = DeactivateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        successor = form.cleaned_data["successor"]
        try:
            moved = services.deactivate_user(user, by=request.user, successor=successor)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _deactivated_message(user, successor, moved))
            return redirect("orgs:user_detail", pk=user.pk)
    context = {
        "nav_active": "settings",
        "target": user,
        "form": form,
        "holdings": handover.holdings(user),
    }
    return render(request, "orgs/user_deactivate.html", context)


def _deactivated_message(user: User, successor: User | None, moved: dict[str, int]) -> str:
    parts = [
        _("%(label)s %(n)s 项") % {"label": handover.KINDS[code].label, "n": n}
        for code, n in moved.items()
        if n
    ]
    if successor is None or not parts:
        return _("已停用 %(label)s，无需交接") % {"label": user.label}
    return _("已停用 %(label)s，已交接给 %(label2)s：%(join)s") % {
        "label": user.label,
        "label2": successor.label,
        "join": "、".join(parts),
    }


@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    try:
        services.reactivate_user(user, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已重新启用 %(label)s") % {"label": user.label})
    return redirect("orgs:user_detail", pk=user.pk)


@require_GET
def project_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the project select for the chosen company (htmx dependent select)."""
    org = _admin_org(request)
    projects = Project.objects.filter(organisation=org).select_related("company")
    if company := id_param(request.GET.get("company")):
        projects = projects.filter(company_id=company)
    return render(request, "orgs/_project_options.html", {"projects": projects})


# --- organisation structure ----------------------------------------------------------------


def _structure_page(
    request: HttpRequest,
    *,
    company_form: CompanyForm | None = None,
    project_form: ProjectForm | None = None,
) -> HttpResponse:
    org = _admin_org(request)
    context = {
        "nav_active": "settings",
        "organisation": org,
        "companies": queries.organisation_structure(org.pk),
        "company_form": company_form or CompanyForm(),
        "project_form": project_form or ProjectForm(organisation=org),
    }
    return render(request, "orgs/structure.html", context)


def structure(request: HttpRequest) -> HttpResponse:
    return _structure_page(request)


@require_POST
def company_create(request: HttpRequest) -> HttpResponse:
    org = _admin_org(request)
    form = CompanyForm(request.POST)
    if form.is_valid():
        try:
            company = services.create_company(
                by=request.user, organisation=org, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新增城市公司 %(company)s") % {"company": company})
            return redirect("orgs:structure")
    return _structure_page(request, company_form=form)


@require_POST
def project_create(request: HttpRequest) -> HttpResponse:
    org = _admin_org(request)
    form = ProjectForm(request.POST, organisation=org)
    if form.is_valid():
        try:
            project = services.create_project(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新增项目 %(project)s") % {"project": project})
            return redirect("orgs:structure")
    return _structure_page(request, project_form=form)


# --- profile (every user) ------------------------------------------------------------------


def _profile_page(
    request: HttpRequest,
    *,
    password_form: ChangePasswordForm | None = None,
    totp_disable_form: TotpDisableForm | None = None,
    token_form: TokenForm | None = None,
    new_key: str = "",
) -> HttpResponse:
    user: Any = request.user
    context = {
        "nav_active": "settings",
        "grants": user.role_grants.select_related("company", "project", "organisation").order_by(
            "granted_at"
        ),
        "tokens": ApiToken.objects.filter(user=user),
        "password_form": password_form or ChangePasswordForm(user=user),
        "totp_disable_form": totp_disable_form or TotpDisableForm(user=user),
        "token_form": token_form or TokenForm(),
        "new_key": new_key,
    }
    response = render(request, "orgs/profile.html", context)
    if new_key:
        add_never_cache_headers(response)
    return response


def profile(request: HttpRequest) -> HttpResponse:
    return _profile_page(request)


@require_POST
def profile_language(request: HttpRequest) -> HttpResponse:
    """The profile page's language switch: stores User.language, applied from the next request."""
    user: Any = request.user
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("请选择一种界面语言"))
        return redirect("orgs:profile")
    if language != user.language:
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit.record(
            actor=user,
            action="user.language",
            target=user,
            changes={"language": [before, language]},
        )
    translation.activate(language)
    messages.success(request, _("界面语言已切换"))
    response = redirect("orgs:profile")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


@require_POST
def profile_password(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ChangePasswordForm(request.POST, user=user)
    if form.is_valid():
        try:
            services.change_password(user, by=user, new_password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            apply_service_errors(form, exc, rename={"password": "new_password"})
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改"))
            return redirect("orgs:profile")
    return _profile_page(request, password_form=form)


@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.totp_enabled:
        messages.info(request, _("两步验证已启用"))
        return redirect("orgs:profile")
    secret = request.session.get(TOTP_SETUP) or services.new_totp_secret()
    request.session[TOTP_SETUP] = secret
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enable_totp(user, by=user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            del request.session[TOTP_SETUP]
            messages.success(request, _("两步验证已启用，下次登录时需要输入验证码"))
            return redirect("orgs:profile")
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="MediaDesk")
    context = {
        "nav_active": "settings",
        "form": form,
        "secret": secret,
        "qr_svg": segno.make(uri, error="m").svg_inline(scale=5, title=_("两步验证二维码")),
    }
    response = render(request, "orgs/totp_setup.html", context)
    add_never_cache_headers(response)
    return response


@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TotpDisableForm(request.POST, user=user)
    if not form.is_valid():
        return _profile_page(request, totp_disable_form=form)
    services.disable_totp(user, by=user)
    messages.success(request, _("两步验证已关闭"))
    return redirect("orgs:profile")


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, token_form=form)
    token, key = services.create_api_token(user, by=user, name=form.cleaned_data["name"])
    messages.success(request, _("已创建令牌 %(name)s") % {"name": token.name})
    # Rendered directly (not redirected) so the plain key is never stored anywhere.
    return _profile_page(request, new_key=key)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token, by=request.user)
    messages.success(request, _("已撤销令牌 %(name)s") % {"name": token.name})
    return redirect("orgs:profile")
