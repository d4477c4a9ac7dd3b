"""What the page shell needs on every page: navigation, unread count, the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mediadesk.core import registry, scopes
from mediadesk.orgs.roles import Perm, Role

# (order, key, label, icon, url name, 即将上线 area); a registered MenuEntry with the same key
# replaces a placeholder, others slot in by their order.
NAV: list[tuple[int, str, Any, str, str, str | None]] = [
    (10, "home", _("工作台"), "bi-speedometer2", "core:home", None),
    (20, "matrix", _("账号矩阵"), "bi-diagram-3", "matrix:tree", None),
    (30, "content", _("内容"), "bi-journal-richtext", "content:home", None),
    (40, "live", _("直播"), "bi-broadcast", "core:soon", "live"),
    (50, "analytics", _("数据"), "bi-graph-up", "analytics:home", None),
    (60, "engagement", _("互动"), "bi-chat-dots", "core:soon", "engagement"),
    (70, "leads", _("客资"), "bi-person-lines-fill", "leads:home", None),
    (80, "commissions", _("佣金"), "bi-wallet2", "commissions:mine", None),
    (90, "goals", _("目标"), "bi-bullseye", "core:soon", "goals"),
    (100, "settings", _("设置"), "bi-gear", "orgs:settings", None),
]


def nav_items(user: Any) -> list[tuple[str, str, str, str, str | None]]:
    """The menu: the shell's entries plus every registered app's entry the user may see."""
    plugged = registry.menu_entries()
    taken = {m.key for m in plugged}
    items = [row for row in NAV if row[1] not in taken]
    items += [
        (m.order, m.key, m.label, m.icon, m.url_name, None) for m in plugged if m.visible(user)
    ]
    return [row[1:] for row in sorted(items, key=lambda row: row[0])]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from mediadesk.notifications.models import Notification

    role_codes = scopes.roles(user)
    return {
        "nav_items": nav_items(user),
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "user_roles": [Role(r).label for r in sorted(role_codes) if r in Role.values],
        "can": {
            "matrix_view": scopes.has_perm(user, Perm.MATRIX_VIEW)
            or scopes.has_perm(user, Perm.MATRIX_VIEW_OWN),
            "matrix_manage": scopes.has_perm(user, Perm.MATRIX_MANAGE),
            "audit": scopes.has_perm(user, Perm.AUDIT_VIEW),
            "users": scopes.has_perm(user, Perm.USERS_MANAGE),
            "platforms": scopes.has_perm(user, Perm.PLATFORMS_MANAGE),
            "notify": scopes.has_perm(user, Perm.NOTIFY_MANAGE),
            "content": scopes.has_perm(user, Perm.CONTENT_VIEW),
            "content_edit": scopes.has_perm(user, Perm.CONTENT_EDIT),
            "compliance_manage": scopes.has_perm(user, Perm.COMPLIANCE_MANAGE),
            "analytics": scopes.has_perm(user, Perm.ANALYTICS_VIEW),
            "leads": scopes.has_perm(user, Perm.LEADS_VIEW)
            or scopes.has_perm(user, Perm.LEADS_VIEW_OWN)
            or scopes.has_perm(user, Perm.LEADS_REPORT),
            "commissions": scopes.has_perm(user, Perm.COMMISSIONS_VIEW),
        },
    }
