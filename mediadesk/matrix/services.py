"""Every write to the matrix: permission and state checks, one transaction, audit entries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, crypto, phone, scopes, uploads
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.matrix import queries, rules
from mediadesk.matrix.models import Account, Credential, Platform, StandardRule
from mediadesk.notifications import services as notifications
from mediadesk.orgs import handover
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.orgs.roles import Perm

audit.register_actions(
    {
        "account.create": gettext_lazy("创建账号"),
        "account.update": gettext_lazy("修改账号"),
        "account.custody_transfer": gettext_lazy("转交负责人"),
        "account.delete": gettext_lazy("删除账号"),
        "account.import": gettext_lazy("导入账号"),
        "credential.create": gettext_lazy("新增凭据"),
        "credential.reveal": gettext_lazy("查看凭据明文"),
        "credential.delete": gettext_lazy("删除凭据"),
        "platform.create": gettext_lazy("新增平台"),
        "platform.update": gettext_lazy("修改平台"),
        "standard_rule.update": gettext_lazy("修改账号规范规则"),
    }
)
notifications.register_kinds({"account.custody": gettext_lazy("账号负责人变更")})

ACCOUNT_FIELDS = (
    "platform", "platform_account_id", "subtype", "name", "level", "parent", "company", "project",
    "positioning", "verification", "real_name_holder", "bound_phone", "custodian",
    "backup_custodian", "status", "followers", "opened_on", "notes", "brand_keyword", "bio",
    "cover_style", "tone_keywords", "hook", "is_live_account", "live_schedule", "avatar", "banner",
)  # fmt: skip
EDITABLE = set(ACCOUNT_FIELDS) - {"avatar", "banner"}


def _resolve_scope(values: dict[str, Any], organisation: Organisation) -> None:
    project: Project | None = values.get("project")
    company: Company | None = values.get("company")
    if project is not None:
        if project.organisation_id != organisation.pk:
            raise ValidationError({"project": _("项目不属于本组织")})
        if company is not None and company.pk != project.company_id:
            raise ValidationError({"project": _("项目不属于所选城市公司")})
        values["company"] = project.company
    elif company is not None and company.organisation_id != organisation.pk:
        raise ValidationError({"company": _("城市公司不属于本组织")})


def _validate(account: Account) -> None:
    errors: dict[str, str] = {}
    if not account.name.strip():
        errors["name"] = _("请填写账号名称")
    if account.level not in (1, 2, 3):
        errors["level"] = _("层级只能是 1、2、3")
    parent = account.parent
    if parent is not None:
        if parent.organisation_id != account.organisation_id or parent.deleted_at is not None:
            errors["parent"] = _("上级账号不存在")
        elif parent.pk == account.pk:
            errors["parent"] = _("上级账号不能是自己")
    if "level" not in errors:
        problem = rules.level_error(account.level, parent.level if parent else None)
        if problem:
            errors["parent"] = problem
    if account.pk and account.children.alive().exclude(level=account.level + 1).exists():
        errors["level"] = _("下级账号的层级与新层级不匹配，请先调整下级账号")
    if account.bound_phone:
        digits = phone.normalise(account.bound_phone)
        if not phone.is_mobile(digits):
            errors["bound_phone"] = _("绑定手机应为 11 位大陆手机号")
        account.bound_phone = digits
    for field in ("custodian", "backup_custodian"):
        user = getattr(account, field)
        if user is not None and (
            user.organisation_id != account.organisation_id or not user.is_active
        ):
            errors[field] = _("负责人必须是本组织的在职用户")
    if account.platform_account_id:
        clash = Account.objects.alive().filter(
            platform_id=account.platform_id, platform_account_id=account.platform_account_id
        )
        if clash.exclude(pk=account.pk).exists():
            errors["platform_account_id"] = _("该平台账号ID已登记")
    if errors:
        raise ValidationError(errors)


def _check_manage(by: Any, account: Account) -> None:
    if not scopes.allows(by, Perm.MATRIX_MANAGE, account):
        raise PermissionDenied(_("没有在该范围管理账号的权限"))


@transaction.atomic
def create_account(*, by: Any, organisation: Organisation, values: dict[str, Any]) -> Account:
    """Create an account in the matrix (matrix.manage in the account's scope).

    Without a company or project of its own, an account sits in its parent's scope."""
    values = {k: v for k, v in values.items() if k in EDITABLE}
    parent = values.get("parent")
    if parent is not None and not values.get("company") and not values.get("project"):
        values["company"], values["project"] = parent.company, parent.project
    _resolve_scope(values, organisation)
    account = Account(organisation=organisation, **values)
    _check_manage(by, account)
    _validate(account)
    account.save()
    audit.record(
        actor=by,
        action="account.create",
        target=account,
        changes={
            k: [None, v]
            for k, v in audit.snapshot(account, ACCOUNT_FIELDS).items()
            if v not in ("", None, False)
        },
    )
    return account


@transaction.atomic
def update_account(account: Account, *, by: Any, values: dict[str, Any]) -> Account:
    """Change an account's fields; custody changes are audited as custody transfers."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    _check_manage(by, account)
    values = {k: v for k, v in values.items() if k in EDITABLE}
    custody = {k: values.pop(k) for k in ("custodian", "backup_custodian") if k in values}
    before = audit.snapshot(account, ACCOUNT_FIELDS)
    scope_values = {k: values.get(k, getattr(account, k)) for k in ("company", "project")}
    if "company" in values or "project" in values:
        _resolve_scope(scope_values, account.organisation)
        values.update(scope_values)
    for key, value in values.items():
        setattr(account, key, value)
    _check_manage(by, account)  # also in the new scope
    _validate(account)
    account.save()
    changes = audit.diff(before, audit.snapshot(account, ACCOUNT_FIELDS))
    if changes:
        audit.record(actor=by, action="account.update", target=account, changes=changes)
    if custody:
        transfer_custody(
            account,
            by=by,
            custodian=custody.get("custodian", account.custodian),
            backup_custodian=custody.get("backup_custodian", account.backup_custodian),
        )
        account.refresh_from_db()
    return account


@transaction.atomic
def transfer_custody(
    account: Account, *, by: Any, custodian: Any, backup_custodian: Any = None, reason: str = ""
) -> Account:
    """Hand an account to another custodian (专人专管), audited as account.custody_transfer."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    _check_manage(by, account)
    before = audit.snapshot(account, ("custodian", "backup_custodian"))
    account.custodian = custodian
    account.backup_custodian = backup_custodian
    if (
        custodian is not None
        and backup_custodian is not None
        and custodian.pk == backup_custodian.pk
    ):
        raise ValidationError({"backup_custodian": _("备份负责人不能与负责人相同")})
    _validate(account)
    account.save(update_fields=["custodian", "backup_custodian", "updated_at"])
    changes = audit.diff(before, audit.snapshot(account, ("custodian", "backup_custodian")))
    if changes:
        if reason:
            changes["reason"] = [None, reason]
        audit.record(actor=by, action="account.custody_transfer", target=account, changes=changes)
    if "custodian" in changes and custodian is not None and custodian.pk != getattr(by, "pk", None):
        _notify_custodian(account, custodian)
    return account


def _notify_custodian(account: Account, custodian: Any) -> None:
    from django.urls import reverse

    with translation.override(getattr(custodian, "language", None) or settings.LANGUAGE_CODE):
        title = _("你被指定为账号「%(name)s」的负责人") % {"name": account.name}  # their language
    notifications.notify(
        [custodian],
        kind="account.custody",
        title=title,
        url=reverse("matrix:detail", args=[account.pk]),
    )


@transaction.atomic
def set_images(
    account: Account,
    *,
    by: Any,
    avatar: UploadedFile | None = None,
    banner: UploadedFile | None = None,
) -> Account:
    """Replace the avatar and/or banner after validating size and real type."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    _check_manage(by, account)
    uploads_ok = {
        name: uploads.validate_image(f, field=name)
        for name, f in (("avatar", avatar), ("banner", banner))
        if f is not None
    }
    before = audit.snapshot(account, tuple(uploads_ok))
    for name, f in uploads_ok.items():
        getattr(account, name).save(f.name, f, save=False)
    account.save()
    changes = audit.diff(before, audit.snapshot(account, tuple(uploads_ok)))
    if changes:
        audit.record(actor=by, action="account.update", target=account, changes=changes)
    return account


@transaction.atomic
def delete_account(account: Account, *, by: Any, reason: str = "") -> None:
    """Soft-delete an account that has no live children."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    _check_manage(by, account)
    if account.children.alive().exists():
        raise ValidationError({"account": _("该账号下还有下级账号，请先调整或删除下级账号")})
    account.deleted_at = timezone.now()
    account.save(update_fields=["deleted_at", "updated_at"])
    audit.record(
        actor=by, action="account.delete", target=account, changes={"reason": [None, reason]}
    )


@transaction.atomic
def add_credential(
    account: Account, *, by: Any, kind: str, secret: str, identifier: str = "", label: str = ""
) -> Credential:
    """Store a secret for an account, encrypted with MEDIADESK_ENCRYPTION_KEY."""
    _check_manage(by, account)
    if kind not in Credential.Kind.values:
        raise ValidationError({"kind": _("未知的凭据类型")})
    if not secret:
        raise ValidationError({"secret": _("请填写密码或密钥")})
    cred = Credential.objects.create(
        account=account, kind=kind, label=label.strip()[:60], identifier=identifier.strip()[:120],
        secret=crypto.seal(secret), created_by=by,
    )  # fmt: skip
    audit.record(
        actor=by,
        action="credential.create",
        target=account,
        changes={"credential": [None, f"{cred.get_kind_display()} {cred.label}".strip()]},
    )
    return cred


def reveal_credential(cred: Credential, *, by: Any, password: str) -> str:
    """The plain secret, for the account's custodian or a holder of matrix.secrets who
    re-entered their password; every reveal is audited, failed attempts too."""
    account = cred.account
    if not queries.can_reveal(by, account):
        raise PermissionDenied(_("只有账号负责人或管理员可以查看凭据"))
    ok = by.check_password(password or "")
    audit.record(
        actor=by,
        action="credential.reveal",
        target=account,
        changes={"credential": [None, str(cred)], "ok": [None, ok]},
    )
    if not ok:
        raise ValidationError({"password": _("密码不正确")})
    return crypto.unseal(cred.secret)


@transaction.atomic
def delete_credential(cred: Credential, *, by: Any) -> None:
    """Remove a stored secret."""
    _check_manage(by, cred.account)
    audit.record(
        actor=by,
        action="credential.delete",
        target=cred.account,
        changes={"credential": [str(cred), None]},
    )
    cred.delete()


PLATFORM_FIELDS = (
    "code", "name", "name_max_len", "bio_max_len", "title_max_len", "body_max_len",
    "daily_send_quota", "monthly_send_quota", "supports_live", "has_api", "notes", "sort", "is_active",
)  # fmt: skip


@transaction.atomic
def save_platform(platform: Platform | None, *, by: Any, values: dict[str, Any]) -> Platform:
    """Create or change a platform and its limits (platforms.manage)."""
    if not scopes.has_perm(by, Perm.PLATFORMS_MANAGE):
        raise PermissionDenied(_("只有系统管理员可以维护平台"))
    creating = platform is None
    platform = platform or Platform()
    before = {} if creating else audit.snapshot(platform, PLATFORM_FIELDS)
    for key, value in values.items():
        if key in PLATFORM_FIELDS:
            setattr(platform, key, value)
    if not platform.code or not platform.name:
        raise ValidationError({"code": _("请填写平台代码和名称")})
    if Platform.objects.filter(code=platform.code).exclude(pk=platform.pk).exists():
        raise ValidationError({"code": _("平台代码已存在")})
    platform.save()
    changes = audit.diff(before, audit.snapshot(platform, PLATFORM_FIELDS))
    audit.record(
        actor=by,
        action="platform.create" if creating else "platform.update",
        target=platform,
        changes=changes,
    )
    return platform


@transaction.atomic
def update_rule(
    rule: StandardRule, *, by: Any, message: str, severity: str, enabled: bool
) -> StandardRule:
    """Reword, re-grade or disable a standards rule (platforms.manage)."""
    if not scopes.has_perm(by, Perm.PLATFORMS_MANAGE):
        raise PermissionDenied(_("只有系统管理员可以修改账号规范规则"))
    if severity not in StandardRule.Severity.values:
        raise ValidationError({"severity": _("未知级别")})
    before = audit.snapshot(rule, ("message", "severity", "enabled"))
    rule.message, rule.severity, rule.enabled = message.strip(), severity, enabled
    rule.save()
    changes = audit.diff(before, audit.snapshot(rule, ("message", "severity", "enabled")))
    if changes:
        audit.record(actor=by, action="standard_rule.update", target=rule, changes=changes)
    return rule


def _held_accounts(user: Any) -> Any:
    from django.db.models import Q

    return Account.objects.alive().filter(Q(custodian=user) | Q(backup_custodian=user))


def _move_accounts(from_user: Any, to_user: Any, *, by: Any) -> int:
    moved = 0
    for account in _held_accounts(from_user).select_for_update():
        before = audit.snapshot(account, ("custodian", "backup_custodian"))
        if account.custodian_id == from_user.pk:
            account.custodian = to_user
        if account.backup_custodian_id == from_user.pk:
            account.backup_custodian = None if account.custodian_id == to_user.pk else to_user
        account.save(update_fields=["custodian", "backup_custodian", "updated_at"])
        changes = audit.diff(before, audit.snapshot(account, ("custodian", "backup_custodian")))
        changes["reason"] = [None, _("离职交接")]
        audit.record(actor=by, action="account.custody_transfer", target=account, changes=changes)
        if "custodian" in changes:
            _notify_custodian(account, to_user)
        moved += 1
    return moved


handover.register(
    handover.HandoverKind(
        "accounts",
        gettext_lazy("账号（负责人/备份负责人）"),
        lambda u: _held_accounts(u).count(),
        _move_accounts,
    )
)
