"""Deal pages on the customer's opportunity: record a deal (认筹/认购/签约), advance it or
stamp a payout milestone, and 退房. Thin: attribution.record_deal/advance_deal/cancel_deal
decide (leads.assign or commissions.manage in the project's scope)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.core.errors import Conflict
from mediadesk.leads import access, attribution
from mediadesk.leads.models import Deal, Opportunity
from mediadesk.leads.queries import co_handlers
from mediadesk.leads.views_attribution import Styled
from mediadesk.orgs.models import User

ADVANCES = [
    ("subscribed", gettext_lazy("转认购")),
    ("signed", gettext_lazy("转签约")),
    ("paid_30", gettext_lazy("首付达30%")),
    ("loan", gettext_lazy("合同备案+放款")),
    ("handover", gettext_lazy("交付")),
]


class DealForm(Styled):
    stage = forms.ChoiceField(label=gettext_lazy("成交阶段"), choices=Deal.Stage.choices[:3])
    unit_label = forms.CharField(label=gettext_lazy("房号"), max_length=40)
    amount_yuan = forms.DecimalField(
        label=gettext_lazy("成交金额（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    co_handler = forms.ModelChoiceField(
        User.objects.none(),
        required=False,
        label=gettext_lazy("主管带单（合作人）"),
        empty_label=gettext_lazy("无"),
    )
    at = forms.DateTimeField(
        label=gettext_lazy("成交时间"),
        initial=timezone.now,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_handler"].queryset = co_handlers(opportunity)  # type: ignore[attr-defined]


class AdvanceForm(Styled):
    step = forms.ChoiceField(label=gettext_lazy("推进"), choices=ADVANCES)
    at = forms.DateTimeField(label=gettext_lazy("时间"), initial=timezone.now)


class CancelForm(Styled):
    confirm = forms.BooleanField(label=gettext_lazy("确认退房（佣金将在下一结算期扣回）"))
    at = forms.DateTimeField(label=gettext_lazy("退房时间"), initial=timezone.now)


def deal_forms(opp: Opportunity) -> dict[str, Any]:
    """The blank deal form of one opportunity card (ids unique on the page) and the
    choices of the per-deal advance form."""
    return {"deal_form": DealForm(opportunity=opp, auto_id=f"deal{opp.pk}_%s"),
            "advances": ADVANCES,
            "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}  # fmt: skip


def _back(opp_id: int, customer_id: int) -> HttpResponse:
    return redirect(f"/leads/customers/{customer_id}/#opp-{opp_id}")


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = "；".join(str(e) for e in errors)
        messages.error(request, f"{label}：{text}" if label else text)


def _run(request: HttpRequest, action: Any, ok: str) -> None:
    """Call the service; its refusals become messages (a permission refusal is a 403)."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms)
                       if hasattr(exc, "error_dict") else "；".join(exc.messages))  # fmt: skip
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ok)


def _visible_deal(request: HttpRequest, pk: int) -> Deal:
    visible = Deal.objects.filter(opportunity__in=access.visible_opportunities(request.user))
    return scopes.get_or_404(visible.select_related("opportunity"), pk)


@login_required
@require_POST
def deal_new(request: HttpRequest, pk: int) -> HttpResponse:
    opp: Opportunity = scopes.get_or_404(access.visible_opportunities(request.user), pk)
    if not attribution.can_record_deal(request.user, opp):
        raise PermissionDenied(_("没有登记该客户成交的权限"))
    form = DealForm(request.POST, opportunity=opp)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(opp.pk, opp.customer_id)
    data = form.cleaned_data
    _run(request, lambda: attribution.record_deal(
        opportunity=opp, by=request.user, stage=data["stage"], unit_label=data["unit_label"],
        amount_fen=int(data["amount_yuan"] * 100), at=data["at"], co_handler=data["co_handler"],
    ), _("已登记成交：%(unit)s") % {"unit": data["unit_label"]})  # fmt: skip
    return _back(opp.pk, opp.customer_id)


@login_required
@require_POST
def deal_advance(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _visible_deal(request, pk)
    if not attribution.can_record_deal(request.user, deal.opportunity):
        raise PermissionDenied(_("没有推进该成交的权限"))
    form = AdvanceForm(request.POST)
    if form.is_valid():
        step, at = form.cleaned_data["step"], form.cleaned_data["at"]
        kind = "milestone" if step in attribution.MILESTONES else "stage"
        label = dict(ADVANCES)[step]
        _run(request, lambda: attribution.advance_deal(deal, by=request.user, at=at,
                                                       **{kind: step}), _("已更新：%(step)s") % {"step": label})  # fmt: skip
    else:
        _form_errors(request, form)
    return _back(deal.opportunity_id, deal.customer_id)


@login_required
@require_POST
def deal_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _visible_deal(request, pk)
    if not attribution.can_record_deal(request.user, deal.opportunity):
        raise PermissionDenied(_("没有为该成交办理退房的权限"))
    form = CancelForm(request.POST)
    if form.is_valid():
        at = form.cleaned_data["at"]
        _run(request, lambda: attribution.cancel_deal(deal, by=request.user, at=at),
             _("已退房：%(unit)s") % {"unit": deal.unit_label})  # fmt: skip
    else:
        _form_errors(request, form)
    return _back(deal.opportunity_id, deal.customer_id)
