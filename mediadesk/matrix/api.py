"""API: platforms and accounts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.schemas import MAX_ID, ErrorOut, Page, PageIn, caller, page_of, params_of
from mediadesk.matrix import queries, services
from mediadesk.matrix.models import Account, Platform
from mediadesk.matrix.schemas import (
    AccountFilters,
    AccountIn,
    AccountOut,
    AccountPatch,
    PlatformOut,
    StandardsFindingOut,
)
from mediadesk.orgs.models import Company, Organisation, Project, User

router = Router(tags=["账号矩阵"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
ORDER = ("level", "platform__sort", "name", "id")
AccountId = Path(..., ge=1, le=MAX_ID)

_NOT_FOUND = {
    "platform": _("未知的平台代码"),
    "parent": _("上级账号不存在"),
    "company": _("城市公司不存在"),
    "project": _("项目不存在"),
    "custodian": _("负责人不存在或已停用"),
    "backup_custodian": _("备份负责人不存在或已停用"),
}


def _lookups(user: Any, organisation: Organisation) -> dict[str, Any]:
    """Where each linked field's id (or code) is looked up; a miss is a field error."""
    people = User.objects.filter(organisation=organisation, is_active=True)
    return {
        "platform": lambda code: Platform.objects.filter(code=code, is_active=True).first(),
        "parent": lambda pk: (
            queries.visible_accounts(user).filter(organisation=organisation, pk=pk).first()
        ),
        "company": lambda pk: Company.objects.filter(organisation=organisation, pk=pk).first(),
        "project": lambda pk: Project.objects.filter(organisation=organisation, pk=pk).first(),
        "custodian": lambda pk: people.filter(pk=pk).first(),
        "backup_custodian": lambda pk: people.filter(pk=pk).first(),
    }


def _values(data: dict[str, Any], user: Any, organisation: Organisation) -> dict[str, Any]:
    """The service's values: linked ids and the platform code replaced by their rows."""
    errors: dict[str, str] = {}
    for field, find in _lookups(user, organisation).items():
        if data.get(field) is None:
            continue
        data[field] = find(data[field])
        if data[field] is None:
            errors[field] = _NOT_FOUND[field]
    if errors:
        raise ValidationError(errors)
    return data


@router.get("/platforms", response=Page[PlatformOut], summary=_("平台及其限制"))
def list_platforms(request: HttpRequest, page: Query[PageIn]) -> Any:
    return page_of(Platform.objects.order_by("sort", "code", "id"), page)


@router.get("/accounts", response={200: Page[AccountOut], 422: ErrorOut}, summary=_("可见的账号"))
def list_accounts(request: HttpRequest, filters: Query[AccountFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)  # the list page's gate: no matrix permission, no list
    qs = queries.filter_accounts(queries.visible_accounts(user), params_of(filters))
    return page_of(qs.order_by(*ORDER), page)


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary=_("创建账号（本组织）"))
def create_account(request: HttpRequest, payload: AccountIn) -> Any:
    user = caller(request)
    # The same gate as the create page; the service then checks the account's own scope.
    queries.require_manage(user)
    if user.organisation is None:
        raise PermissionDenied(_("用户不属于任何组织"))
    values = _values(payload.model_dump(), user, user.organisation)
    account = services.create_account(by=user, organisation=user.organisation, values=values)
    return Status(201, account)


@router.get(
    "/accounts/{account_id}", response={200: AccountOut, 404: ErrorOut}, summary=_("账号详情")
)
def get_account(request: HttpRequest, account_id: int = AccountId) -> Account:
    return queries.access_account(caller(request), account_id)


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountOut, **ERRORS},
    summary=_("修改账号（只改提交的字段）"),
)
def update_account(request: HttpRequest, payload: AccountPatch, account_id: int = AccountId) -> Any:
    user = caller(request)
    account = queries.access_account(user, account_id, for_write=True)
    values = _values(payload.model_dump(exclude_unset=True), user, account.organisation)
    return services.update_account(account, by=user, values=values)


@router.get(
    "/accounts/{account_id}/standards",
    response={200: Page[StandardsFindingOut], 404: ErrorOut},
    summary=_("账号规范检查结果"),
)
def account_standards(request: HttpRequest, account_id: int = AccountId) -> Any:
    findings = queries.standards_for(queries.access_account(caller(request), account_id))
    return {"items": findings, "count": len(findings)}
