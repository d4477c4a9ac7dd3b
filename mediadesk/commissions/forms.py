"""HTML forms of the commissions app: schemes with their tier editor, incentives, live
figures, settlement, adjustments. Money is entered in yuan and handed on as integer fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mediadesk.commissions.models import Incentive, LiveSessionFigure, Scheme
from mediadesk.commissions.queries import projects_for
from mediadesk.commissions.services import SCHEME_FIELDS
from mediadesk.leads.models import Channel
from mediadesk.matrix.forms import StyledForm, apply_errors
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Perm

__all__ = ["apply_errors"]

TIER_ROWS = 6
MAX_YUAN = Decimal("100000000000")


class YuanField(forms.DecimalField):
    """An amount in yuan (two decimals) whose cleaned value is integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_value", MAX_YUAN)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        yuan = super().clean(value)
        if yuan is None:
            return None
        return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _people(user: Any) -> QuerySet[User]:
    return User.objects.filter(organisation_id=user.organisation_id, is_active=True).order_by(
        "username"
    )


class SchemeForm(StyledForm, forms.ModelForm):
    """A scheme's fields; its tier rows come from TierFormSet."""

    class Meta:
        model = Scheme
        fields = list(SCHEME_FIELDS)
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects_for(user, Perm.COMMISSIONS_MANAGE)  # type: ignore[attr-defined]
        self.fields["channel"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            organisation_id=user.organisation_id, is_active=True
        )
        self.style()

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TierForm(StyledForm):
    """One row of the tier editor: from the threshold on, a rate or an amount per unit."""

    threshold = forms.DecimalField(
        label=_("达到（套数，或成交金额：元）"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    rate = forms.DecimalField(
        label=_("比例(%)"),
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        required=False,
    )
    per_unit = YuanField(label=_("每套金额(元)"), min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


TierFormSet = forms.formset_factory(TierForm, extra=0, max_num=20)


def tier_rows(formset: Any, *, tier_by: str) -> list[dict[str, Any]]:
    """The filled tier rows as service input: amount thresholds in fen, unit counts as is."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if data.get("threshold") is None and data.get("rate") is None and not data.get("per_unit"):
            continue
        raw = data.get("threshold") or Decimal(0)
        threshold = int(raw * 100) if tier_by == "amount" else int(raw)
        rows.append(
            {
                "threshold": threshold,
                "rate": data.get("rate") or 0,
                "per_unit_fen": data.get("per_unit") or 0,
            }
        )
    return rows


def tier_initial(scheme: Scheme | None) -> list[dict[str, Any]]:
    """The tier editor's rows for a scheme, padded with blank rows to add more."""
    rows: list[dict[str, Any]] = []
    if scheme is not None:
        for t in scheme.tiers.all():
            threshold = Decimal(t.threshold) / 100 if scheme.tier_by == "amount" else t.threshold
            rows.append(
                {"threshold": threshold, "rate": t.rate, "per_unit": fen_to_yuan(t.per_unit_fen)}
            )
    if not rows:
        rows.append({"threshold": 0})
    return rows + [{}] * max(1, TIER_ROWS - len(rows))


class IncentiveForm(StyledForm, forms.ModelForm):
    """An incentive rule; amounts in yuan."""

    bonus = YuanField(label=_("达标奖金(元/人)"), min_value=0, required=False)
    viewers_bonus = YuanField(label=_("观看达标奖金(元)"), min_value=0, required=False)
    leads_bonus = YuanField(label=_("留资达标奖金(元)"), min_value=0, required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("适用人员"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("按住 Ctrl（Mac 为 ⌘）可多选；团队目标奖选后台团队成员"),
    )

    class Meta:
        model = Incentive
        fields = [
            "name",
            "project",
            "kind",
            "target_units",
            "channel_kind",
            "min_viewers",
            "min_leads",
            "valid_from",
            "valid_until",
            "is_active",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects_for(user, Perm.COMMISSIONS_MANAGE)  # type: ignore[attr-defined]
        self.fields["members"].queryset = _people(user)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial.update(
                members=list(self.instance.members.all()),
                bonus=fen_to_yuan(self.instance.bonus_fen),
                viewers_bonus=fen_to_yuan(self.instance.viewers_bonus_fen),
                leads_bonus=fen_to_yuan(self.instance.leads_bonus_fen),
            )
        self.style()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["bonus_fen"] = data.pop("bonus") or 0
        data["viewers_bonus_fen"] = data.pop("viewers_bonus") or 0
        data["leads_bonus_fen"] = data.pop("leads_bonus") or 0
        data.pop("members")
        return data


class IncentiveTierForm(StyledForm):
    """One row of a deal-count incentive: from the n-th unit, an amount per unit."""

    threshold = forms.IntegerField(
        label=_("自第N套起"), min_value=1, max_value=10_000, required=False
    )
    per_unit = YuanField(label=_("每套奖金(元)"), min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


IncentiveTierFormSet = forms.formset_factory(IncentiveTierForm, extra=0, max_num=20)


def incentive_tier_rows(formset: Any) -> list[dict[str, Any]]:
    return [
        {
            "threshold": f.cleaned_data["threshold"],
            "per_unit_fen": f.cleaned_data.get("per_unit") or 0,
        }
        for f in formset.forms
        if f.cleaned_data.get("threshold")
    ]


def incentive_tier_initial(incentive: Incentive | None) -> list[dict[str, Any]]:
    rows = [
        {"threshold": t.threshold, "per_unit": fen_to_yuan(t.per_unit_fen)}
        for t in (incentive.tiers.all() if incentive else [])
    ]
    return rows + [{}] * max(1, 4 - len(rows))


class LiveFigureForm(StyledForm, forms.ModelForm):
    """A live session's figures, entered by hand."""

    class Meta:
        model = LiveSessionFigure
        fields = ["project", "date", "anchor", "viewers", "leads", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects_for(user, Perm.COMMISSIONS_MANAGE)  # type: ignore[attr-defined]
        self.fields["anchor"].queryset = _people(user)  # type: ignore[attr-defined]
        self.style()

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SettleForm(StyledForm):
    month = forms.CharField(
        label=_("结算月份"), widget=forms.TextInput(attrs={"type": "month"}), max_length=7
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class AdjustmentForm(StyledForm):
    amount = forms.DecimalField(
        label=_("调整金额(元，扣减填负数)"),
        max_digits=14,
        decimal_places=2,
        min_value=-MAX_YUAN,
        max_value=MAX_YUAN,
    )
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def amount_fen(self) -> int:
        amount: Decimal = self.cleaned_data["amount"]
        return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
