"""Helpers shared by the live services: snapshots for the audit, the manage check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.live import access


def snap(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """audit.snapshot with lazy (gettext) choice labels made plain text."""
    return {
        k: str(v) if isinstance(v, Promise) else v for k, v in audit.snapshot(obj, fields).items()
    }


def require_manage(by: Any, obj: Any) -> None:
    if not access.can_manage(by, obj):
        raise PermissionDenied(_("没有管理该账号直播的权限"))
