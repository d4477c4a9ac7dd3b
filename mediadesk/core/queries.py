"""Reads of the audit trail, scoped to holders of audit.view."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediadesk.core import dates, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.models import AuditEntry
from mediadesk.orgs.roles import Perm


def visible_audit(user: Any) -> QuerySet[AuditEntry]:
    """Audit entries of the user's organisations; only admins and managers may read them."""
    if not scopes.has_perm(user, Perm.AUDIT_VIEW):
        raise PermissionDenied(_("只有系统管理员和部门负责人可以查看审计记录"))
    orgs = scopes.organisation_ids(user)
    return AuditEntry.objects.filter(organisation_id__in=orgs).select_related("actor")


def _day(value: str, *, end: bool) -> datetime | None:
    try:
        d = date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if not dates.in_range(d):
        return None
    return timezone.make_aware(datetime.combine(d, time.max if end else time.min))


def filter_audit(qs: QuerySet[AuditEntry], params: Any) -> QuerySet[AuditEntry]:
    """Filters shared by the audit page, its export and the API."""
    if value := (params.get("target_type") or "").strip():
        qs = qs.filter(target_type=value)
    if value := (params.get("target_id") or "").strip():
        qs = qs.filter(target_id=str(value))
    if value := (params.get("action") or "").strip():
        qs = qs.filter(action__startswith=value)
    if value := (params.get("actor") or "").strip():
        qs = qs.filter(actor_label__icontains=value)
    if value := (params.get("source") or "").strip():
        qs = qs.filter(source=value)
    if start := _day(params.get("since") or "", end=False):
        qs = qs.filter(at__gte=start)
    if stop := _day(params.get("until") or "", end=True):
        qs = qs.filter(at__lte=stop)
    return qs
