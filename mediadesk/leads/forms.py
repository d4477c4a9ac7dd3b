"""HTML forms of the leads desk; services do the real checks, forms shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.leads import queries
from mediadesk.leads.models import Channel, FollowUp, Intent, Source, Stage
from mediadesk.leads.services import MANUAL_STAGES
from mediadesk.matrix.forms import StyledForm, apply_errors
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

__all__ = ["apply_errors"]

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
PHONE_ATTRS = {
    "inputmode": "tel",
    "autocomplete": "tel",
    "placeholder": gettext_lazy("11 位手机号"),
    "class": "form-control form-control-lg",
}


class QuickLeadForm(StyledForm):
    """Phone-first quick entry (快速录入): the phone, then who and where from."""

    phone = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20, widget=forms.TextInput(PHONE_ATTRS)
    )
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=40, required=False)
    project = forms.ModelChoiceField(
        label=gettext_lazy("意向项目"), queryset=Project.objects.none()
    )
    source = forms.ChoiceField(
        label=gettext_lazy("来源"), choices=Source.choices, initial=Source.WALK_IN
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("渠道"), queryset=Channel.objects.none(), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = org_queries.visible_projects(user, perm=Perm.LEADS_CAPTURE)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        if projects.count() == 1:
            self.fields["project"].initial = projects.first()
        self.fields["channel"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            organisation_id=user.organisation_id, is_active=True
        )
        self.style()
        for name in ("name", "project", "source"):
            self.fields[name].widget.attrs["class"] += " form-control-lg"


class FollowUpForm(StyledForm):
    """A follow-up record with the next contact time and the intent level."""

    kind = forms.ChoiceField(
        label=gettext_lazy("方式"), choices=FollowUp.Kind.choices, initial="call"
    )
    content = forms.CharField(
        label=gettext_lazy("跟进内容"), widget=forms.Textarea(attrs={"rows": 3})
    )
    call_seconds = forms.IntegerField(
        label=gettext_lazy("通话时长(秒)"), required=False, min_value=0
    )
    next_contact_at = forms.DateTimeField(
        label=gettext_lazy("下次联系"), required=False, widget=DATETIME
    )
    intent = forms.ChoiceField(
        label=gettext_lazy("意向等级"),
        choices=[("", gettext_lazy("不变")), *Intent.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class StageForm(StyledForm):
    """已联系/已到访, or 无效/丢失 with a reason (the service requires it)."""

    stage = forms.ChoiceField(
        label=gettext_lazy("阶段"),
        choices=[(s.value, s.label) for s in Stage if s in MANUAL_STAGES],
    )
    reason = forms.CharField(
        label=gettext_lazy("原因（无效/丢失必填）"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class AssignForm(StyledForm):
    """Assign or reassign to a consultant seat of the opportunity's project."""

    consultant = forms.TypedChoiceField(label=gettext_lazy("置业顾问"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("原因（改派必填）"), max_length=200, required=False)

    def __init__(self, *args: Any, seats: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = {s.user_id: s for s in seats}
        self.fields["consultant"].choices = [("", _("请选择"))] + [  # type: ignore[attr-defined]
            (s.user_id, f"{s.user}{_('（休息）') if not s.on_duty else ''}") for s in seats
        ]
        self.style()


class ChannelForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("渠道名称"), max_length=60)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Channel.Kind.choices)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=30, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class BrokerForm(StyledForm):
    """A broker login for a channel, scoped to one project."""

    channel = forms.ModelChoiceField(
        label=gettext_lazy("所属渠道"), queryset=Channel.objects.none()
    )
    project = forms.ModelChoiceField(
        label=gettext_lazy("可报备项目"), queryset=Project.objects.none()
    )
    username = forms.CharField(label=gettext_lazy("登录名"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    phone_number = forms.CharField(label=gettext_lazy("手机号"), max_length=20)
    password = forms.CharField(
        label=gettext_lazy("初始密码"), widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            organisation_id=user.organisation_id, is_active=True
        ).exclude(kind__in=(Channel.Kind.CONSULTANT, Channel.Kind.NATURAL))
        self.fields["project"].queryset = queries.rules_projects(user)  # type: ignore[attr-defined]
        self.style()


class CampaignForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("活动名称"), max_length=60)
    project = forms.ModelChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none())
    source = forms.ChoiceField(
        label=gettext_lazy("来源"), choices=Source.choices, initial=Source.FORM
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    ends_at = forms.DateTimeField(label=gettext_lazy("截止时间"), required=False, widget=DATETIME)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = queries.rules_projects(user)  # type: ignore[attr-defined]
        self.style()


class PublicLeadForm(StyledForm):
    """The public form: name, phone, consent, and a honeypot field people never see."""

    name = forms.CharField(label=gettext_lazy("您的称呼"), max_length=40, required=False)
    phone = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20, widget=forms.TextInput(PHONE_ATTRS)
    )
    consent = forms.BooleanField(
        label=gettext_lazy("我同意开发商及其置业顾问通过电话联系我，并按隐私政策处理我的手机号"),
        error_messages={"required": gettext_lazy("请勾选同意后提交")},
    )
    website = forms.CharField(label=gettext_lazy("网址"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class ImportForm(StyledForm):
    """Upload of a lead sheet for one project and default source."""

    project = forms.ModelChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none())
    source = forms.ChoiceField(
        label=gettext_lazy("默认来源"), choices=Source.choices, initial=Source.EVENT
    )
    file = forms.FileField(label=gettext_lazy("Excel 或 CSV 文件"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = org_queries.visible_projects(  # type: ignore[attr-defined]
            user, perm=Perm.LEADS_IMPORT
        )
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.style()


class ReportForm(StyledForm):
    """The broker portal's phone-first report (报备): full or masked number."""

    phone = forms.CharField(
        label=gettext_lazy("客户手机号"),
        max_length=20,
        widget=forms.TextInput(
            {**PHONE_ATTRS, "placeholder": gettext_lazy("全号，或隐号如 138****5678")}
        ),
    )
    project = forms.ModelChoiceField(
        label=gettext_lazy("报备项目"), queryset=Project.objects.none()
    )

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        if projects.count() == 1:
            self.fields["project"].initial = projects.first()
        self.style()
