"""Roles (00-overview.md) and what each may do. Pure data: the one place permissions are granted."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    MANAGER = "manager", "部门负责人/主管"
    PLANNER = "planner", "内容策划"
    LEGAL = "legal", "法务/公关"
    OPERATOR = "operator", "运营专员"
    ANCHOR = "anchor", "主播"
    SERVICE = "service", "客服"
    ANALYST = "analyst", "数据分析师"
    SALES = "sales", "置业顾问/销售"
    CHANNEL = "channel", "渠道/案场经理"


class Perm:
    """Permission names; a role grants them within the scope it is held in."""

    MATRIX_VIEW = "matrix.view"  # every account in scope
    MATRIX_VIEW_OWN = "matrix.view_own"  # accounts the user is custodian of
    MATRIX_MANAGE = "matrix.manage"  # create/edit/import accounts, custody
    MATRIX_SECRETS = "matrix.secrets"  # reveal any credential in scope (custodians always may)
    PLATFORMS_MANAGE = "platforms.manage"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    NOTIFY_MANAGE = "notifications.manage"  # robots and delivery status


ALL_PERMS = frozenset(v for k, v in vars(Perm).items() if k.isupper())

_VIEWERS = {Perm.MATRIX_VIEW}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_PERMS,
    Role.MANAGER: frozenset(
        {Perm.MATRIX_VIEW, Perm.MATRIX_MANAGE, Perm.AUDIT_VIEW, Perm.NOTIFY_MANAGE}
    ),
    Role.PLANNER: frozenset(_VIEWERS),
    Role.LEGAL: frozenset(_VIEWERS),
    Role.OPERATOR: frozenset({Perm.MATRIX_VIEW, Perm.MATRIX_MANAGE}),
    Role.ANCHOR: frozenset(_VIEWERS),
    Role.SERVICE: frozenset(_VIEWERS),
    Role.ANALYST: frozenset(_VIEWERS),
    Role.SALES: frozenset({Perm.MATRIX_VIEW_OWN}),
    Role.CHANNEL: frozenset(),
}


def perms_of(roles: set[str]) -> frozenset[str]:
    """Union of the permissions the given roles grant."""
    out: set[str] = set()
    for role in roles:
        out |= ROLE_PERMS.get(role, frozenset())
    return frozenset(out)
