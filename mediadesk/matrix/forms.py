"""Input forms of the matrix pages; the writes themselves happen in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from mediadesk.core import phone
from mediadesk.matrix import queries, services
from mediadesk.matrix.models import Account, Credential, Platform, StandardRule
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.models import User

ACCOUNT_FORM_FIELDS = (
    "platform", "subtype", "name", "level", "parent", "company", "project", "platform_account_id",
    "positioning", "verification", "real_name_holder", "bound_phone", "custodian",
    "backup_custodian", "status", "followers", "opened_on", "notes", "brand_keyword", "bio",
    "cover_style", "tone_keywords", "hook", "is_live_account", "live_schedule",
)  # fmt: skip


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service ValidationError on the matching form fields (others on the whole form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class StyledForm(forms.Form):
    """Adds Bootstrap classes to every widget."""

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
                _blank_label(field)
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


def _blank_label(field: forms.Field) -> None:
    """A Chinese label for the empty choice of a select."""
    label = _("请选择") if field.required else _("（不指定）")
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
        field.choices = [(v, label if v == "" else text) for v, text in choices]


def _choices(form: forms.Form, name: str, queryset: QuerySet[Any], current: Any = None) -> None:
    """Limit a model choice field to `queryset`, keeping the record's current value valid."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    if current is not None:
        ordering = queryset.query.order_by
        queryset = queryset.model.objects.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))
        if ordering:
            queryset = queryset.order_by(*ordering)
    field.queryset = queryset


def _queryset(form: forms.Form, name: str) -> QuerySet[Any]:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
    return field.queryset


class UserChoiceField(forms.ModelChoiceField):
    """Users shown as 姓名（用户名）."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class AccountForm(StyledForm):
    """Create or edit an account; avatar/banner go through services.set_images."""

    avatar = forms.FileField(label=_("头像"), required=False)
    banner = forms.FileField(label=_("背景图"), required=False)

    def __init__(
        self, *args: Any, user: Any, account: Account | None = None, **kwargs: Any
    ) -> None:
        if account is not None:
            kwargs.setdefault("initial", model_to_dict(account, fields=ACCOUNT_FORM_FIELDS))
            kwargs["initial"]["bound_phone"] = ""
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields.update(
            fields_for_model(
                Account,
                fields=ACCOUNT_FORM_FIELDS,
                field_classes={"custodian": UserChoiceField, "backup_custodian": UserChoiceField},
            )
        )
        self.fields["bound_phone"] = forms.CharField(
            label=_("绑定手机"), max_length=20, required=False
        )
        if account is not None and account.bound_phone:
            self.fields["bound_phone"].help_text = _("当前：%(mask)s，留空表示不修改") % {
                "mask": phone.mask(account.bound_phone)
            }
            self.fields["clear_bound_phone"] = forms.BooleanField(
                label=_("清除绑定手机"), required=False
            )
        self.fields["opened_on"].widget = forms.DateInput(attrs={"type": "date"})
        for name in ("bio", "notes"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 3})
        for name in ("avatar", "banner"):
            self.fields[name].widget.attrs["accept"] = "image/png,image/jpeg,image/webp,image/gif"
        self._limit_choices(user, account)
        self._live_hints()
        self.style()

    def _live_hints(self) -> None:
        """Alpine bindings for the page's live length hints and parent grouping."""
        for name, event in (
            ("platform", "change"),
            ("level", "change"),
            ("name", "input"),
            ("bio", "input"),
        ):
            self.fields[name].widget.attrs.update(
                {"x-init": f"{name} = $el.value", f"x-on:{event}": f"{name} = $el.value"}
            )
        self.fields["level"].widget.attrs["x-on:change"] = "level = $el.value; fitParent()"

    def platform_limits(self) -> dict[int, dict[str, int | None]]:
        platforms = _queryset(self, "platform")
        return {p.pk: {"name": p.name_max_len, "bio": p.bio_max_len} for p in platforms}

    def _limit_choices(self, user: Any, account: Account | None) -> None:
        parents = queries.visible_accounts(user).filter(level__in=[1, 2])
        if account is not None:
            parents = parents.exclude(pk=account.pk)
        _choices(self, "platform", queries.active_platforms(), account and account.platform_id)
        _choices(self, "parent", parents.order_by("level", "platform__sort", "name"),
                 account and account.parent_id)  # fmt: skip
        _choices(
            self, "company", queries.manageable_companies(user), account and account.company_id
        )
        _choices(self, "project", queries.manageable_projects(user), account and account.project_id)
        colleagues = org_queries.colleagues(user)
        _choices(self, "custodian", colleagues, account and account.custodian_id)
        _choices(self, "backup_custodian", colleagues, account and account.backup_custodian_id)

    def parent_groups(self) -> list[tuple[int, list[Account]]]:
        """Parent choices grouped by level, so the page can enable only the right group."""
        accounts = list(_queryset(self, "parent").select_related("platform"))
        return [(lvl, [a for a in accounts if a.level == lvl]) for lvl in (1, 2)]

    def values(self) -> dict[str, Any]:
        """The field values for create_account/update_account."""
        values = {k: v for k, v in self.cleaned_data.items() if k in ACCOUNT_FORM_FIELDS}
        if self.account is not None and not values.get("bound_phone"):
            if self.cleaned_data.get("clear_bound_phone"):
                values["bound_phone"] = ""
            else:
                values.pop("bound_phone", None)
        return values

    def images(self) -> dict[str, UploadedFile]:
        return {k: f for k in ("avatar", "banner") if (f := self.cleaned_data.get(k))}


class CustodyForm(StyledForm):
    """Hand an account to another custodian (专人专管), with the reason on record."""

    custodian = UserChoiceField(label=_("新负责人"), queryset=User.objects.none())
    backup_custodian = UserChoiceField(
        label=_("备份负责人"), queryset=User.objects.none(), required=False
    )
    reason = forms.CharField(label=_("转交原因"), max_length=200)

    def __init__(self, *args: Any, user: Any, account: Account, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"custodian": account.custodian_id, "backup_custodian": account.backup_custodian_id},
        )
        super().__init__(*args, **kwargs)
        colleagues = org_queries.colleagues(user)
        _choices(self, "custodian", colleagues)
        _choices(self, "backup_custodian", colleagues, account.backup_custodian_id)
        self.style()


class DeleteForm(StyledForm):
    reason = forms.CharField(label=_("删除原因"), max_length=200, required=False)


class CredentialForm(StyledForm):
    """A new secret for the vault; it is encrypted before it is stored."""

    kind = forms.ChoiceField(label=_("类型"), choices=Credential.Kind.choices)
    label = forms.CharField(label=_("说明"), max_length=60, required=False)
    identifier = forms.CharField(label=_("账号/AppID"), max_length=120, required=False)
    secret = forms.CharField(label=_("密码/密钥"), widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].widget.attrs["autocomplete"] = "new-password"
        self.style()


class RevealForm(StyledForm):
    password = forms.CharField(label=_("你的登录密码"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.style()


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel 或 CSV 文件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.style()


class PlatformForm(StyledForm):
    """A platform and its limits (services.save_platform)."""

    def __init__(self, *args: Any, platform: Platform | None = None, **kwargs: Any) -> None:
        if platform is not None:
            kwargs.setdefault("initial", model_to_dict(platform, fields=services.PLATFORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Platform, fields=services.PLATFORM_FIELDS))
        self.fields["notes"].widget = forms.Textarea(attrs={"rows": 3})
        self.style()


class RuleForm(StyledForm):
    """Reword, re-grade or disable a standards rule (services.update_rule)."""

    message = forms.CharField(
        label=_("提示语"), max_length=200, help_text=_("可用 {limit} {actual} {keyword}")
    )
    severity = forms.ChoiceField(label=_("级别"), choices=StandardRule.Severity.choices)
    enabled = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args: Any, rule: StandardRule, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"message": rule.message, "severity": rule.severity, "enabled": rule.enabled}
        )
        super().__init__(*args, **kwargs)
        self.style()
