"""API: the audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from mediadesk.core import queries
from mediadesk.core.schemas import (
    AuditFilters,
    AuditOut,
    ErrorOut,
    Page,
    PageIn,
    caller,
    page_of,
    params_of,
)

router = Router(tags=["审计"])


@router.get(
    "/audit",
    response={200: Page[AuditOut], 403: ErrorOut, 422: ErrorOut},
    summary="审计记录（系统管理员、部门负责人）",
)
def list_audit(request: HttpRequest, filters: Query[AuditFilters], page: Query[PageIn]) -> Any:
    qs = queries.filter_audit(queries.visible_audit(caller(request)), params_of(filters))
    return page_of(qs.order_by("-at", "-id"), page)
