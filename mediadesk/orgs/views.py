"""Login (with throttling and optional TOTP) and logout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mediadesk.orgs import auth
from mediadesk.orgs.forms import LoginForm, TotpForm
from mediadesk.orgs.models import User

PENDING = "mediadesk_pending_user"


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
            user = auth.check_credentials(request, form.cleaned_data["username"], form.cleaned_data["password"])
        except auth.LockedOut:
            error = "登录失败次数过多，账户已临时锁定，请 15 分钟后再试或联系管理员"
        else:
            if user is None:
                error = "用户名/手机号或密码不正确"
            elif user.totp_enabled:
                request.session[PENDING] = user.pk
                return redirect(f"/login/totp/?next={_next_url(request)}")
            else:
                login(request, user)
                return redirect(_next_url(request))
    return render(request, "orgs/login.html", {"form": form, "error": error, "next": _next_url(request)})


@login_not_required
def login_totp(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("orgs:login")
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if auth.is_locked(user.username, request.META.get("REMOTE_ADDR")):
            error = "验证失败次数过多，请稍后再试"
        elif auth.verify_totp(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            login(request, user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
            return redirect(_next_url(request))
        else:
            from mediadesk.orgs.models import LoginAttempt

            LoginAttempt.objects.create(username=user.username, ip=request.META.get("REMOTE_ADDR"))
            error = "验证码不正确"
    return render(request, "orgs/login_totp.html", {"form": form, "error": error, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "已退出登录")
    return redirect("orgs:login")


def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/settings.html", {"nav_active": "settings"})


def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/profile.html", {"nav_active": "settings"})
