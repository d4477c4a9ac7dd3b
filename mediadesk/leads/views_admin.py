"""Leads settings pages (leads.rules): channels, brokers and capture campaigns with their
public form URL and QR code."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.leads import queries, services
from mediadesk.leads.filters import BrokerFilters, CampaignFilters, ChannelFilters
from mediadesk.leads.forms import BrokerForm, CampaignForm, ChannelForm, apply_errors
from mediadesk.leads.models import Broker, Campaign, Channel
from mediadesk.orgs.roles import Perm


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    caps = queries.desk_caps(request.user)
    return render(request, template, {"nav_active": "leads", "caps": caps, **context})


def _require_rules(user: Any) -> None:
    scopes.require(scopes.has_perm(user, Perm.LEADS_RULES), _("没有管理渠道的权限"))


def _org_channels(user: Any) -> Any:
    return Channel.objects.filter(organisation_id=user.organisation_id)


def _apply(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError):
        apply_errors(form, exc)
    else:
        form.add_error(None, str(exc))


def channels(request: HttpRequest) -> HttpResponse:
    _require_rules(request.user)
    rows = ChannelFilters.from_query(request.GET).sorted(_org_channels(request.user))
    return _page(request, "leads/channels.html", {"channels": rows})


def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: Any = request.user
    _require_rules(user)
    channel = scopes.get_or_404(_org_channels(user), pk) if pk else None
    initial = (
        {f: getattr(channel, f) for f in services.CHANNEL_FIELDS}
        if channel
        else {"is_active": True}
    )
    form = ChannelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_channel(
                channel, by=user, organisation=user.organisation, values=form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已保存渠道"))
            return redirect("leads:channels")
    return _page(request, "leads/channel_form.html", {"form": form, "channel": channel})


def brokers(request: HttpRequest) -> HttpResponse:
    _require_rules(request.user)
    rows = BrokerFilters.from_query(request.GET).sorted(queries.visible_brokers(request.user))
    return _page(request, "leads/brokers.html", {"brokers": rows})


def broker_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_rules(user)
    form = BrokerForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_broker(by=user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已创建经纪人账号，请将登录名和初始密码告知经纪人"))
            return redirect("leads:brokers")
    return _page(request, "leads/broker_form.html", {"form": form})


@require_POST
def broker_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_rules(request.user)
    broker: Broker = scopes.get_or_404(queries.visible_brokers(request.user), pk)
    services.deactivate_broker(broker, by=request.user)
    messages.success(request, _("已停用经纪人 %(user)s") % {"user": broker.user})
    return redirect("leads:brokers")


def campaigns(request: HttpRequest) -> HttpResponse:
    _require_rules(request.user)
    rows = CampaignFilters.from_query(request.GET).sorted(queries.visible_campaigns(request.user))
    return _page(request, "leads/campaigns.html", {"campaigns": rows})


def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: Any = request.user
    _require_rules(user)
    campaign = scopes.get_or_404(queries.visible_campaigns(user), pk) if pk else None
    fields = ("name", "project", "source", "is_active", "ends_at")
    initial = {f: getattr(campaign, f) for f in fields} if campaign else {"is_active": True}
    form = CampaignForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.save_campaign(
                campaign, by=user, project=data["project"], values=data
            )
        except (ValidationError, PermissionDenied) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已保存留资活动"))
            return redirect("leads:campaign_edit", campaign.pk)
    form_url = (
        request.build_absolute_uri(reverse("leads:public_form", args=[campaign.slug]))
        if campaign
        else ""
    )
    return _page(
        request, "leads/campaign_form.html", {"form": form, "campaign": campaign, "url": form_url}
    )


def campaign_qr(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The public form's QR code as SVG (for the page) or PNG (for posters and live rooms)."""
    _require_rules(request.user)
    if fmt not in ("svg", "png"):
        raise Http404
    campaign: Campaign = scopes.get_or_404(queries.visible_campaigns(request.user), pk)
    url = request.build_absolute_uri(reverse("leads:public_form", args=[campaign.slug]))
    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    if fmt == "png":
        qr.save(buf, kind="png", scale=10, border=2)
        response = HttpResponse(buf.getvalue(), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="lead-form-{campaign.slug}.png"'
        return response
    qr.save(buf, kind="svg", scale=6, border=2, xmldecl=False)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")
