"""Every write to users, grants and tokens: permission check, transaction, audit entry."""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, crypto, phone
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.orgs import handover, queries
from mediadesk.orgs.auth import hash_token
from mediadesk.orgs.models import ApiToken, Company, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Role

audit.register_actions(
    {
        "organisation.create": gettext_lazy("创建组织"),
        "user.create": gettext_lazy("创建用户"),
        "user.update": gettext_lazy("修改用户"),
        "user.deactivate": gettext_lazy("停用用户"),
        "user.reactivate": gettext_lazy("启用用户"),
        "user.password": gettext_lazy("修改密码"),
        "user.totp_enable": gettext_lazy("启用两步验证"),
        "user.totp_disable": gettext_lazy("关闭两步验证"),
        "user.handover": gettext_lazy("离职交接"),
        "role.grant": gettext_lazy("授予角色"),
        "role.revoke": gettext_lazy("撤销角色"),
        "api_token.create": gettext_lazy("创建 API 令牌"),
        "api_token.revoke": gettext_lazy("撤销 API 令牌"),
        "company.create": gettext_lazy("新增城市公司"),
        "project.create": gettext_lazy("新增项目"),
    }
)

USER_FIELDS = ("username", "display_name", "phone", "email", "is_active")


def _require_admin(by: Any, organisation: Organisation) -> None:
    # users.manage held organisation-wide in *this* organisation; an admin elsewhere is no admin here
    if not queries.is_org_admin(by, organisation.pk):
        raise PermissionDenied(_("只有系统管理员可以管理用户"))


def _clean_phone(raw: str, *, exclude_pk: int | None = None) -> str:
    if not raw:
        return ""
    digits = phone.normalise(raw)
    if not phone.is_mobile(digits):
        raise ValidationError({"phone": _("手机号应为 11 位大陆手机号")})
    if User.objects.filter(phone=digits).exclude(pk=exclude_pk or 0).exists():
        raise ValidationError({"phone": _("该手机号已被其他用户使用")})
    return digits


@transaction.atomic
def create_user(
    *,
    by: Any,
    organisation: Organisation,
    username: str,
    password: str,
    display_name: str = "",
    phone_number: str = "",
    email: str = "",
    role: str = "",
    company: Company | None = None,
    project: Project | None = None,
) -> User:
    """Create a user in `organisation` (admin only), optionally with a first role and scope."""
    _require_admin(by, organisation)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名已存在")})
    user = User(
        organisation=organisation,
        username=username,
        display_name=display_name.strip(),
        phone=_clean_phone(phone_number),
        email=email.strip(),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    audit.record(
        actor=by, action="user.create", target=user, changes=audit.snapshot(user, USER_FIELDS)
    )
    if role:
        grant_role(user, by=by, role=role, company=company, project=project)
    return user


@transaction.atomic
def update_user(user: User, *, by: Any, display_name: str, phone_number: str, email: str) -> User:
    """Change a user's name, phone and e-mail (admin only)."""
    assert user.organisation is not None
    _require_admin(by, user.organisation)
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name = display_name.strip()
    user.phone = _clean_phone(phone_number, exclude_pk=user.pk)
    user.email = email.strip()
    user.save(update_fields=["display_name", "phone", "email"])
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if changes:
        audit.record(actor=by, action="user.update", target=user, changes=changes)
    return user


@transaction.atomic
def change_password(user: User, *, by: Any, new_password: str) -> None:
    """Set a new password for oneself, or for another user as admin."""
    if by.pk != user.pk:
        assert user.organisation is not None
        _require_admin(by, user.organisation)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=by, action="user.password", target=user)


@transaction.atomic
def grant_role(
    user: User,
    *,
    by: Any,
    role: str,
    company: Company | None = None,
    project: Project | None = None,
) -> RoleGrant:
    """Give `user` a role within the organisation, a company or a project."""
    assert user.organisation is not None
    organisation = user.organisation
    _require_admin(by, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色")})
    if project is not None:
        if company is not None and company.pk != project.company_id:
            raise ValidationError({"project": _("项目不属于所选城市公司")})
        company = project.company
    if company is not None and company.organisation_id != organisation.pk:
        raise ValidationError({"company": _("范围不属于该用户的组织")})
    exists = RoleGrant.objects.filter(
        user=user, role=role, organisation=organisation, company=company, project=project
    ).exists()
    if exists:
        raise ValidationError({"role": _("该用户在此范围已有此角色")})
    try:
        grant = RoleGrant.objects.create(
            user=user, role=role, organisation=organisation, company=company, project=project
        )
    except IntegrityError:
        raise ValidationError({"role": _("该用户在此范围已有此角色")}) from None
    audit.record(
        actor=by,
        action="role.grant",
        target=user,
        changes={"role": [None, grant.get_role_display()], "scope": [None, grant.scope_label]},
    )
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, *, by: Any) -> None:
    """Remove one role grant."""
    _require_admin(by, grant.organisation)
    user = grant.user
    audit.record(
        actor=by,
        action="role.revoke",
        target=user,
        changes={"role": [grant.get_role_display(), None], "scope": [grant.scope_label, None]},
    )
    grant.delete()


@transaction.atomic
def deactivate_user(user: User, *, by: Any, successor: User | None) -> dict[str, int]:
    """Deactivate `user`, moving everything they hold to `successor` in one transaction."""
    assert user.organisation is not None
    _require_admin(by, user.organisation)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError({"user": _("该用户已停用")})
    if user.pk == getattr(by, "pk", None):
        raise ValidationError({"user": _("不能停用自己")})
    held = handover.holdings(user)
    if held and successor is None:
        labels = "、".join(
            _("%(label)s%(n)s项") % {"label": kind.label, "n": n} for kind, n in held
        )
        raise ValidationError(
            {"successor": _("请选择交接人：该用户仍负责%(labels)s") % {"labels": labels}}
        )
    if successor is not None:
        if successor.pk == user.pk or not successor.is_active:
            raise ValidationError({"successor": _("交接人必须是另一位在职用户")})
        if successor.organisation_id != user.organisation_id:
            raise ValidationError({"successor": _("交接人必须属于同一组织")})
    moved = {kind.code: kind.move(user, successor, by=by) for kind, _n in held}
    summary = (
        "、".join(
            _("%(label)s%(n)s项") % {"label": kind.label, "n": moved[kind.code]}
            for kind, _n in held
        )
        or None
    )
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor=by,
        action="user.deactivate",
        target=user,
        changes={
            "is_active": [True, False],
            "successor": [None, successor.label if successor else None],
            "moved": [None, summary],
        },
    )
    if successor is not None and summary:
        audit.record(
            actor=by,
            action="user.handover",
            target=successor,
            changes={"from_user": [None, user.label], "moved": [None, summary]},
        )
    return moved


@transaction.atomic
def reactivate_user(user: User, *, by: Any) -> None:
    """Let a deactivated user log in again."""
    assert user.organisation is not None
    _require_admin(by, user.organisation)
    if user.is_active:
        raise ValidationError({"user": _("该用户已是启用状态")})
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit.record(
        actor=by, action="user.reactivate", target=user, changes={"is_active": [False, True]}
    )


@transaction.atomic
def create_api_token(user: User, *, by: Any, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; the plain key is returned once and only its hash is kept."""
    if by.pk != user.pk:
        raise PermissionDenied(_("只能为自己创建令牌"))
    name = name.strip() or "API"
    key = "md_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:60], prefix=key[:10], key_hash=hash_token(key)
    )
    audit.record(
        actor=by, action="api_token.create", target=token, changes={"name": [None, token.name]}
    )
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: Any) -> None:
    """Revoke a token (its owner or an admin)."""
    if by.pk != token.user_id:
        assert token.user.organisation is not None
        _require_admin(by, token.user.organisation)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=by, action="api_token.revoke", target=token)


def new_totp_secret() -> str:
    return pyotp.random_base32()


@transaction.atomic
def enable_totp(user: User, *, by: Any, secret: str, code: str) -> None:
    """Turn on TOTP for oneself after proving the authenticator app shows the right code."""
    if by.pk != user.pk:
        raise PermissionDenied(_("只能为自己启用两步验证"))
    if not pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), valid_window=1):
        raise ValidationError({"code": _("验证码不正确，请核对手机时间后重试")})
    user.totp_secret = crypto.seal(secret)
    user.totp_enabled = True
    user.save(update_fields=["totp_secret", "totp_enabled"])
    audit.record(actor=by, action="user.totp_enable", target=user)


@transaction.atomic
def disable_totp(user: User, *, by: Any) -> None:
    """Turn TOTP off (oneself, or an admin for a user who lost the phone)."""
    if by.pk != user.pk:
        assert user.organisation is not None
        _require_admin(by, user.organisation)
    user.totp_secret = ""
    user.totp_enabled = False
    user.save(update_fields=["totp_secret", "totp_enabled"])
    audit.record(actor=by, action="user.totp_disable", target=user)


@transaction.atomic
def create_company(*, by: Any, organisation: Organisation, name: str, city: str = "") -> Company:
    """Add a city company (城市公司) to the organisation (admin only)."""
    _require_admin(by, organisation)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写公司名称")})
    if Company.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError({"name": _("已有同名的城市公司")})
    company = Company.objects.create(
        organisation=organisation, name=name[:100], city=city.strip()[:40]
    )
    audit.record(
        actor=by, action="company.create", target=company,
        changes={k: [None, v] for k, v in audit.snapshot(company, ("name", "city")).items() if v},
    )  # fmt: skip
    return company


@transaction.atomic
def create_project(
    *, by: Any, company: Company, name: str, kind: str = Project.Kind.ESTATE
) -> Project:
    """Add a project or brand (项目/品牌) under a company (admin only)."""
    _require_admin(by, company.organisation)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写项目名称")})
    if kind not in Project.Kind.values:
        raise ValidationError({"kind": _("未知的项目类型")})
    if Project.objects.filter(company=company, name=name).exists():
        raise ValidationError({"name": _("该公司下已有同名项目")})
    project = Project.objects.create(
        organisation_id=company.organisation_id, company=company, name=name[:100], kind=kind
    )
    audit.record(
        actor=by, action="project.create", target=project,
        changes={k: [None, v] for k, v in audit.snapshot(project, ("company", "name", "kind")).items()},
    )  # fmt: skip
    return project
