"""The 互动设置 page: service seats, SLA targets, assignment and approval rules, reply
variables, webhook endpoints and opinion thresholds (one page, one form per block)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.engagement import opinion, perms, setup
from mediadesk.engagement.models import (
    ApprovalRule,
    AssignmentRule,
    Channel,
    Kind,
    Polarity,
    ReplyVariable,
    ServiceSeat,
    SlaPolicy,
)
from mediadesk.engagement.views import _me, _org, show
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import User


def _time(raw: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _actions(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    org, by, p = _org(request), _me(request), request.POST
    return {
        "seat": lambda: setup.save_seat(
            org,
            user_id=p.get("user"),
            on_duty=p.get("on_duty") == "1",
            supervisor_id=p.get("supervisor"),
            by=by,
        ),
        "sla": lambda: setup.save_sla(
            org,
            platform_code=p.get("platform", ""),
            kind=p.get("kind", ""),
            minutes=p.get("minutes"),
            business_hours=p.get("business_hours") == "1",
            day_starts=_time(p.get("day_starts", "")),
            day_ends=_time(p.get("day_ends", "")),
            by=by,
        ),
        "assign_rule": lambda: setup.save_assignment_rule(
            org,
            account_id=p.get("account"),
            keyword=p.get("keyword", ""),
            assignee_id=p.get("assignee"),
            by=by,
        ),
        "approval_rule": lambda: setup.save_approval_rule(
            org, account_id=p.get("account"), polarity=p.get("polarity", ""), by=by
        ),
        "variable": lambda: setup.save_variable(
            org, name=p.get("name", ""), value=p.get("value", ""), by=by
        ),
        "channel": lambda: setup.create_channel(
            org,
            account_id=p.get("account"),
            source=p.get("source", ""),
            token=p.get("token", ""),
            app_id=p.get("app_id", ""),
            aes_key=p.get("aes_key", ""),
            secret=p.get("secret", ""),
            by=by,
        ),
        "thresholds": lambda: setup.save_thresholds(
            org, {**p.dict(), "auto_open": p.get("auto_open") == "1"}, by=by
        ),
        "grade": lambda: setup.save_grade(
            org, grade_id=p.get("pk"), values=p.dict(), notify_ids=p.getlist("notify"), by=by
        ),
        "delete_sla": lambda: setup.delete_rule(
            SlaPolicy.objects.get(pk=p.get("pk") or 0, organisation=org), by=by
        ),
        "delete_assign": lambda: setup.delete_rule(
            AssignmentRule.objects.get(pk=p.get("pk") or 0, organisation=org), by=by
        ),
        "delete_approval": lambda: setup.delete_rule(
            ApprovalRule.objects.get(pk=p.get("pk") or 0, organisation=org), by=by
        ),
    }


def settings_page(request: HttpRequest) -> HttpResponse:
    """Everything an inbox supervisor configures, on one page."""
    if not scopes.has_perm(_me(request), perms.ASSIGN):
        raise PermissionDenied(_("没有修改互动设置的权限"))
    org = _org(request)
    if request.method == "POST":
        action = _actions(request).get(request.POST.get("form", ""))
        try:
            if action is None:
                raise ValidationError(_("未知操作"))
            action()
            messages.success(request, _("已保存"))
        except (ValidationError, SlaPolicy.DoesNotExist, AssignmentRule.DoesNotExist, ApprovalRule.DoesNotExist) as exc:  # fmt: skip
            messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else _("记录不存在"))  # fmt: skip
        return redirect("engagement:settings")
    channels = Channel.objects.filter(organisation=org).select_related("account")
    base = request.build_absolute_uri("/")[:-1]
    context = {
        "seats": ServiceSeat.objects.filter(organisation=org).select_related("user", "supervisor"),
        "slas": SlaPolicy.objects.filter(organisation=org),
        "assign_rules": AssignmentRule.objects.filter(organisation=org).select_related(
            "account", "assignee"
        ),
        "approval_rules": ApprovalRule.objects.filter(organisation=org).select_related("account"),
        "variables": ReplyVariable.objects.filter(organisation=org, project=None),
        "channels": [
            (c, base + reverse(f"engagement:hook_{c.source}", args=[c.slug])) for c in channels
        ],
        "users": User.objects.filter(organisation=org, is_active=True).order_by("username"),
        "accounts": Account.objects.filter(organisation=org).order_by("name"),
        "platforms": Platform.objects.filter(is_active=True),
        "kinds": Kind.choices,
        "polarities": Polarity.choices,
        "sources": Channel.Source.choices,
        "thresholds": opinion.settings_of(org.pk),
        "grades": opinion.grades_of(org.pk),
        "can_opinion": scopes.has_perm(_me(request), perms.OPINION_MANAGE),
    }
    return show(request, "engagement/settings.html", context)
