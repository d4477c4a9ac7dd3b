"""What the page shell needs on every page: navigation, unread count, the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mediadesk.core import scopes
from mediadesk.orgs.roles import Perm, Role

NAV = [
    ("home", "工作台", "bi-speedometer2", "core:home", None),
    ("matrix", "账号矩阵", "bi-diagram-3", "matrix:tree", None),
    ("content", "内容", "bi-journal-richtext", "content:home", None),
    ("live", "直播", "bi-broadcast", "core:soon", "live"),
    ("analytics", "数据", "bi-graph-up", "analytics:home", None),
    ("engagement", "互动", "bi-chat-dots", "core:soon", "engagement"),
    ("leads", "客资", "bi-person-lines-fill", "leads:home", None),
    ("commissions", "佣金", "bi-wallet2", "commissions:mine", None),
    ("goals", "目标", "bi-bullseye", "core:soon", "goals"),
    ("settings", "设置", "bi-gear", "orgs:settings", None),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from mediadesk.notifications.models import Notification

    role_codes = scopes.roles(user)
    return {
        "nav_items": NAV,
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
