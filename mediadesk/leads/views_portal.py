"""Pages outside the desk: the public lead form (no login) and the channel portal, where a
broker reports customers and follows only their own reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mediadesk.core import phone
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.middleware import client_ip
from mediadesk.leads import queries, services
from mediadesk.leads.forms import PublicLeadForm, ReportForm, apply_errors
from mediadesk.leads.models import Broker, Campaign, ResultCode

UTM_KEYS = ("source", "medium", "campaign", "content", "term")


def _campaign(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).select_related("project").first()
    if campaign is None:
        raise Http404
    return campaign


@login_not_required
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    """A campaign's lead form for visitors: name, phone, consent; honeypot and rate limit."""
    campaign = _campaign(slug)
    if not services.campaign_open(campaign):
        return render(request, "leads/public_closed.html", {"campaign": campaign}, status=410)
    form = PublicLeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        utm = {k: request.GET.get(f"utm_{k}", "") for k in UTM_KEYS}
        try:
            services.submit_public_form(
                campaign, name=data["name"], phone_number=data["phone"], ip=client_ip(request),
                honeypot=data["website"], utm=utm,
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("leads:public_thanks", slug)
    return render(request, "leads/public_form.html", {"campaign": campaign, "form": form})


@login_not_required
def public_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "leads/public_thanks.html", {"campaign": _campaign(slug)})


# --- the channel portal ---------------------------------------------------------------------


def _broker(request: HttpRequest) -> Broker:
    broker = queries.broker_of(request.user)
    if broker is None:
        raise PermissionDenied(_("渠道门户仅供渠道经纪人使用"))
    return broker


def portal(request: HttpRequest) -> HttpResponse:
    """The broker's own reports with their result and deadlines — nothing else."""
    broker = _broker(request)
    reports = list(queries.broker_reports(broker)[:100])
    return render(request, "leads/portal.html", {"broker": broker, "reports": reports})


def portal_report(request: HttpRequest) -> HttpResponse:
    """Phone-first report (报备) under the broker's own channel."""
    from mediadesk.leads import attribution

    broker = _broker(request)
    form = ReportForm(request.POST or None, projects=queries.broker_projects(broker))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = attribution.file_report(
                project=data["project"], phone=data["phone"], channel=broker.channel,
                by=request.user, broker=broker,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            _announce(request, report)
            return redirect("leads:portal")
    return render(request, "leads/portal_report.html", {"broker": broker, "form": form})


def _apply(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError):
        apply_errors(form, exc)
    else:
        form.add_error(None, str(exc))


def _announce(request: HttpRequest, report: Any) -> None:
    label = ResultCode(report.result_code).label
    if report.result_code == ResultCode.OK:
        messages.success(request, _("报备成功：%(phone)s") % {"phone": phone.mask(report.phone)})
    else:
        messages.warning(
            request,
            _("报备未成功（%(result)s）：%(reason)s")
            % {"result": label, "reason": report.reason or phone.mask(report.phone)},
        )
