"""Forms of the login, user administration, organisation structure and profile pages.

They only check the shape of the input; the rules (uniqueness, password strength, scope
belonging to the organisation, permissions) live in `orgs.services`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mediadesk.orgs.models import Company, Organisation, Project, User
from mediadesk.orgs.queries import colleagues
from mediadesk.orgs.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名或手机号"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=128)


class TotpForm(forms.Form):
    code = forms.CharField(label=_("6 位验证码"), max_length=8, min_length=6)


NEW_PASSWORD = forms.PasswordInput(attrs={"autocomplete": "new-password"})


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes, rendered by orgs/_field.html."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def apply_service_errors(
    form: forms.Form, exc: ValidationError, *, rename: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form, on the named fields where they exist."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


class GrantForm(StyledForm):
    """A role within a scope: the whole organisation, one company or one project."""

    SCOPES = [("org", _("全组织")), ("company", _("城市公司")), ("project", _("项目"))]

    role = forms.ChoiceField(label=_("角色"), choices=[("", _("— 请选择角色 —")), *Role.choices])
    scope = forms.ChoiceField(label=_("范围"), choices=SCOPES, initial="org")
    company = forms.ModelChoiceField(
        label=_("城市公司"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("— 请选择城市公司 —"),
    )
    project = forms.ModelChoiceField(
        label=_("项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("— 请选择项目 —"),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        project = self.fields["project"]
        project.queryset = Project.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation
        ).select_related("company")
        project.label_from_instance = lambda p: f"{p.company} · {p}"  # type: ignore[attr-defined]
        # Client behaviour: Alpine shows the pickers the scope needs; htmx narrows the projects.
        self.fields["scope"].widget.attrs["x-model"] = "scope"
        self.fields["company"].widget.attrs.update(
            {
                "hx-get": reverse("orgs:project_options"),
                "hx-target": "#id_project",
                "hx-trigger": "change",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope == "company" and not data.get("company"):
            self.add_error("company", _("请选择城市公司"))
        if scope == "project" and not data.get("project"):
            self.add_error("project", _("请选择项目"))
        if scope == "org":
            data["company"] = data["project"] = None
        elif scope == "company":
            data["project"] = None
        return data


class UserCreateForm(GrantForm):
    """A new user with the first role and its scope."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    password = forms.CharField(
        label=_("初始密码"),
        widget=NEW_PASSWORD,
        max_length=128,
        help_text=_("至少 10 位，不能是纯数字或常见密码"),
    )

    field_order = [
        "username",
        "display_name",
        "phone",
        "email",
        "password",
        "role",
        "scope",
        "company",
        "project",
    ]


class UserEditForm(StyledForm):
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)


class NewPasswordForm(StyledForm):
    """A new password typed twice (admin reset, and the second half of a self-service change)."""

    new_password = forms.CharField(label=_("新密码"), widget=NEW_PASSWORD, max_length=128)
    confirm = forms.CharField(label=_("确认新密码"), widget=NEW_PASSWORD, max_length=128)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("new_password")
            and data.get("confirm")
            and data["new_password"] != data["confirm"]
        ):
            self.add_error("confirm", _("两次输入的新密码不一致"))
        return data


class ChangePasswordForm(NewPasswordForm):
    """Change one's own password: the current one first."""

    old_password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput, max_length=128)

    field_order = ["old_password", "new_password", "confirm"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("当前密码不正确"))
        return value


class DeactivateForm(StyledForm):
    successor = forms.ModelChoiceField(
        label=_("交接人"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— 请选择交接人 —"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = colleagues(user).exclude(pk=user.pk)  # type: ignore[attr-defined]
        self.fields["successor"].label_from_instance = lambda u: u.label  # type: ignore[attr-defined]


class CompanyForm(StyledForm):
    name = forms.CharField(label=_("公司名称"), max_length=100)
    city = forms.CharField(label=_("城市"), max_length=40, required=False)


class ProjectForm(StyledForm):
    company = forms.ModelChoiceField(
        label=_("所属公司"), queryset=Company.objects.none(), empty_label=_("— 请选择城市公司 —")
    )
    name = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), choices=Project.Kind.choices, initial=Project.Kind.ESTATE
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.filter(organisation=organisation)  # type: ignore[attr-defined]


class TotpDisableForm(StyledForm):
    password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        if not self.user.check_password(value):
            raise ValidationError(_("密码不正确"))
        return value


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("令牌用途，如：数据同步脚本"), "aria-label": _("令牌名称")}
        ),
    )
