"""API of the commissions app: statements (own, or all in scope) and their approval, schemes,
incentives and live-session figures — each list with its page's filters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from mediadesk.commissions import queries, services
from mediadesk.commissions.filters import (
    FigureFilters,
    IncentiveFilters,
    SchemeFilters,
    StatementFilters,
)
from mediadesk.commissions.models import Statement
from mediadesk.commissions.schemas import (
    CommissionFigureOut,
    CommissionIncentiveOut,
    CommissionSchemeOut,
    StatementDetailOut,
    StatementOut,
)
from mediadesk.core.api_support import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, listed, who
from mediadesk.core.schemas import MAX_ID, Page, PageIn, caller

router = Router(tags=[_("佣金")])

StatementId = Path(..., ge=1, le=MAX_ID)
VIEW_ALL = _("佣金查看（commissions.view）或管理（commissions.manage）")


@router.get(
    "/commissions/statements",
    response={200: Page[StatementOut], **READ_ERRORS},
    summary=_("佣金结算单（本人的，或权限范围内全部）"),
    description=who(_("任何人可见本人的结算单；commissions.view 见范围内全部"))
    + _("。筛选与结算单页面相同（页面默认本月，API 不限月份）。"),
)
def list_statements(
    request: HttpRequest, filters: Query[StatementFilters], page: Query[PageIn]
) -> Any:
    return listed(queries.visible_statements(caller(request)), filters, page)


@router.get(
    "/commissions/statements/{statement_id}",
    response={200: StatementDetailOut, **ONE_ERRORS},
    summary=_("结算单详情及明细"),
    description=who(_("本人，或 commissions.view 在范围内")),
)
def get_statement(request: HttpRequest, statement_id: int = StatementId) -> Statement:
    return queries.access_statement(caller(request), statement_id)


@router.post(
    "/commissions/statements/{statement_id}/approve",
    response={200: StatementDetailOut, **WRITE_ERRORS},
    summary=_("审批结算单（锁定）"),
    description=who(_("佣金审批（commissions.approve）在项目范围内"))
    + _("。只能审批已结束月份的草稿；已审批的为 409。之后的变动进入下月的调整行。"),
)
def approve_statement(request: HttpRequest, statement_id: int = StatementId) -> Statement:
    user = caller(request)
    statement = queries.access_statement(user, statement_id)
    services.approve_statement(statement, by=user)
    return queries.access_statement(user, statement_id)


@router.get(
    "/commissions/schemes",
    response={200: Page[CommissionSchemeOut], **READ_ERRORS},
    summary=_("佣金方案（含跳点）"),
    description=who(VIEW_ALL),
)
def list_schemes(request: HttpRequest, filters: Query[SchemeFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view_all(user)
    return listed(queries.visible_schemes(user), filters, page)


@router.get(
    "/commissions/incentives",
    response={200: Page[CommissionIncentiveOut], **READ_ERRORS},
    summary=_("激励规则"),
    description=who(VIEW_ALL),
)
def list_incentives(
    request: HttpRequest, filters: Query[IncentiveFilters], page: Query[PageIn]
) -> Any:
    user = caller(request)
    queries.require_view_all(user)
    return listed(queries.visible_incentives(user), filters, page)


@router.get(
    "/commissions/live-figures",
    response={200: Page[CommissionFigureOut], **READ_ERRORS},
    summary=_("直播场次数据（激励依据）"),
    description=who(VIEW_ALL),
)
def list_figures(request: HttpRequest, filters: Query[FigureFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view_all(user)
    return listed(queries.visible_figures(user), filters, page)
