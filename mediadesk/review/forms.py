"""Input forms of the review pages; the writes happen in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.content.models import Form as ContentForm
from mediadesk.orgs.roles import Role
from mediadesk.review.models import Workflow

TEXT = {"class": "form-control"}


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service ValidationError on the matching fields (others on the whole form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ActionForm(forms.Form):
    """Approve / request changes / reject one step; the service decides what is required."""

    comment = forms.CharField(
        label=_("审核意见"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )  # fmt: skip
    override_reason = forms.CharField(
        label=_("放行理由"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )  # fmt: skip
    evidence = forms.FileField(
        label=_("证明材料（可选，PDF 或图片）"), required=False,
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,image/*"}),
    )  # fmt: skip


class PublishForm(forms.Form):
    url = forms.CharField(label=_("发布链接"), max_length=600, widget=forms.URLInput(attrs=TEXT))
    published_at = forms.DateTimeField(
        label=_("发布时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={**TEXT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"), max_length=200, widget=forms.TextInput(attrs=TEXT)
    )


class WorkflowForm(forms.Form):
    name = forms.CharField(label=_("流程名称"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    form = forms.ChoiceField(
        label=_("适用内容形式"), required=False,
        choices=[("", _("所有内容形式（默认流程）")), *ContentForm.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    remind_after_hours = forms.IntegerField(
        label=_("超时催办（小时）"), min_value=1, max_value=720, initial=24,
        widget=forms.NumberInput(attrs=TEXT),
    )  # fmt: skip
    is_active = forms.BooleanField(
        label=_("启用"), required=False, initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip


class StepForm(forms.Form):
    """One step row; a row without a name is ignored (blank rows let users add steps)."""

    name = forms.CharField(
        label=_("步骤名称"), required=False, max_length=40, widget=forms.TextInput(attrs=TEXT)
    )
    roles = forms.MultipleChoiceField(
        label=_("可审核角色"), required=False, choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    checklist = forms.CharField(
        label=_("审核要点"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )  # fmt: skip
    only_when_risky = forms.BooleanField(
        label=_("仅高风险时执行"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    requires_override_for_block = forms.BooleanField(
        label=_("禁止级问题须填放行理由"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip


StepFormSet = forms.formset_factory(StepForm, extra=2, max_num=10, absolute_max=10)


def workflow_initial(workflow: Workflow | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Initial values of the workflow form and its step rows."""
    if workflow is None:
        return {"remind_after_hours": 24, "is_active": True}, []
    values = {f: getattr(workflow, f) for f in ("name", "form", "remind_after_hours", "is_active")}
    steps = [
        {
            "name": s.name, "roles": s.roles, "checklist": s.checklist,
            "only_when_risky": s.only_when_risky,
            "requires_override_for_block": s.requires_override_for_block,
        }
        for s in workflow.steps.order_by("order")
    ]  # fmt: skip
    return values, steps


def named_steps(formset: Any) -> list[dict[str, Any]]:
    """The cleaned step rows that have a name, in order."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name", "").strip()]


def local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
