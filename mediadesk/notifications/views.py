"""The notification centre, robot settings and the robot delivery status page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.notifications import forms, queries, services
from mediadesk.notifications.filters import DeliveryFilters, InboxFilters, RobotFilters
from mediadesk.notifications.models import Robot, RobotDelivery
from mediadesk.orgs.forms import apply_service_errors


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require_manager(request: HttpRequest) -> None:
    if not queries.can_manage_robots(request.user):
        raise PermissionDenied(_("只有系统管理员和部门负责人可以管理群机器人"))


# --- notification centre -------------------------------------------------------------------


def inbox(request: HttpRequest) -> HttpResponse:
    chosen = InboxFilters.from_query(request.GET)
    unread_only = chosen.show == "unread"
    rows = chosen.sorted(queries.inbox(request.user))
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    for n in page:
        n.kind_label = services.kind_label(n.kind)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "params": _params(request),
        "unread_only": unread_only,
        "unread_total": queries.inbox(request.user, unread_only=True).count(),
    }
    return render(request, "notifications/inbox.html", context)


@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = scopes.get_or_404(queries.inbox(request.user), pk)
    services.mark_read(notification, by=request.user)
    if _is_htmx(request):
        notification.kind_label = services.kind_label(notification.kind)  # type: ignore[attr-defined]
        context = {
            "n": notification,
            "unread_total": queries.inbox(request.user, unread_only=True).count(),
        }
        return render(request, "notifications/_notification.html", context)
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(by=request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读") % {"count": count})
    if _is_htmx(request):
        return HttpResponse(headers={"HX-Refresh": "true"})
    return redirect("notifications:inbox")


# --- robots --------------------------------------------------------------------------------


def robot_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    rows = RobotFilters.from_query(request.GET).sorted(queries.visible_robots(request.user))
    rows = rows.select_related("organisation")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    for robot in page:
        robot.kind_labels = [services.kind_label(k) for k in robot.event_kinds]  # type: ignore[attr-defined]
    context = {
        "nav_active": "settings",
        "page": page,
        "params": _params(request),
        "kinds": Robot.Kind.choices,
    }
    return render(request, "notifications/robots.html", context)


def robot_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return _robot_form(request, None)


def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    return _robot_form(request, scopes.get_or_404(queries.visible_robots(request.user), pk))


def _robot_form(request: HttpRequest, robot: Robot | None) -> HttpResponse:
    initial: dict[str, Any] = forms.robot_initial(robot) if robot else {"enabled": True}
    form = forms.RobotForm(request.POST or None, robot=robot, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation = robot.organisation if robot else request.user.organisation  # type: ignore[union-attr]
        if organisation is None:
            raise PermissionDenied(_("你的账号不属于任何组织"))
        try:
            saved = services.save_robot(
                robot, by=request.user, organisation=organisation, values=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存机器人「%(name)s」") % {"name": saved.name})
            return redirect("notifications:robots")
    context = {"nav_active": "settings", "form": form, "robot": robot}
    return render(request, "notifications/robot_form.html", context)


@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    robot = scopes.get_or_404(queries.visible_robots(request.user), pk)
    name = robot.name
    services.delete_robot(robot, by=request.user)
    messages.success(request, _("已删除机器人「%(name)s」") % {"name": name})
    return redirect("notifications:robots")


@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    robot = scopes.get_or_404(queries.visible_robots(request.user), pk)
    try:
        services.send_test_message(robot, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("notifications:robots")
    messages.success(
        request, _("测试消息已排队发送到「%(name)s」，结果见下方发送记录") % {"name": robot.name}
    )
    return redirect(f"{reverse('notifications:deliveries')}?robot={robot.pk}")


# --- deliveries ----------------------------------------------------------------------------


def delivery_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    rows = DeliveryFilters.from_query(request.GET).sorted(queries.visible_deliveries(request.user))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.kind_label = services.kind_label(delivery.kind)  # type: ignore[attr-defined]
    context = {
        "nav_active": "settings",
        "page": page,
        "params": _params(request),
        "statuses": RobotDelivery.Status.choices,
        "robots": queries.visible_robots(request.user),
        "failed_total": queries.failed_delivery_count(request.user),
    }
    return render(request, "notifications/deliveries.html", context)


@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    delivery = scopes.get_or_404(queries.visible_deliveries(request.user), pk)
    try:
        services.retry_delivery(delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已重新排队发送"))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:deliveries")
    return redirect(target)
