"""API of the commissions app: the caller's statements (own, or all in scope)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from mediadesk.commissions import queries
from mediadesk.commissions.models import Statement
from mediadesk.commissions.schemas import StatementDetailOut, StatementFilters, StatementOut
from mediadesk.core.schemas import MAX_ID, ErrorOut, Page, PageIn, caller, page_of, params_of

router = Router(tags=["佣金"])

StatementId = Path(..., ge=1, le=MAX_ID)


@router.get(
    "/commissions/statements",
    response={200: Page[StatementOut], 422: ErrorOut},
    summary="佣金结算单（本人的，或权限范围内全部）",
)
def list_statements(
    request: HttpRequest, filters: Query[StatementFilters], page: Query[PageIn]
) -> Any:
    qs = queries.filter_statements(queries.visible_statements(caller(request)), params_of(filters))
    return page_of(qs, page)


@router.get(
    "/commissions/statements/{statement_id}",
    response={200: StatementDetailOut, 404: ErrorOut},
    summary="结算单详情及明细",
)
def get_statement(request: HttpRequest, statement_id: int = StatementId) -> Statement:
    return queries.access_statement(caller(request), statement_id)
