"""Role and scope checks of the live app — used by pages and API alike."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mediadesk.core import scopes
from mediadesk.live.models import Session
from mediadesk.live.perms import LIVE_CONSOLE, LIVE_LEGAL, LIVE_MANAGE, LIVE_VIEW


def can_view(user: Any) -> bool:
    return scopes.has_perm(user, LIVE_VIEW)


def require_view(user: Any) -> None:
    scopes.require(can_view(user), _("没有查看直播的权限"))


def require_manage(user: Any) -> None:
    scopes.require(scopes.has_perm(user, LIVE_MANAGE), _("没有管理直播的权限"))


def visible_sessions(user: Any) -> QuerySet[Session]:
    """Sessions in the scopes where the user holds live.view."""
    return Session.objects.filter(scopes.scope_q(user, LIVE_VIEW, shared=True)).select_related(
        "account", "account__platform", "project"
    )


def access_session(user: Any, pk: Any, *, perm: str | None = None) -> Session:
    """The session if visible (else 404) and, when `perm` is given, allowed (else 403)."""
    require_view(user)
    session = scopes.get_or_404(visible_sessions(user), pk)
    if perm and not scopes.allows(user, perm, session, shared=True):
        raise PermissionDenied(_("没有权限操作该直播场次"))
    return session


def can_manage(user: Any, obj: Any) -> bool:
    return scopes.allows(user, LIVE_MANAGE, obj, shared=True)


def can_console(user: Any, obj: Any) -> bool:
    return scopes.allows(user, LIVE_CONSOLE, obj, shared=True)


def can_override(user: Any, obj: Any) -> bool:
    return scopes.allows(user, LIVE_LEGAL, obj, shared=True)


def can_manage_scripts(user: Any) -> bool:
    return scopes.has_perm(user, LIVE_MANAGE)
