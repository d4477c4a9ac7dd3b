"""API of the compliance app: the checker, and the lexicon (terms, whitelist, pattern rules,
Excel import) with the pages' filters, forms, services and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.forms.models import model_to_dict
from django.http import HttpRequest
from ninja import File, Path, Query, Router, Schema, Status, UploadedFile

from mediadesk.compliance import imports, queries, services
from mediadesk.compliance.filters import PatternFilters, TermFilters, WhitelistFilters
from mediadesk.compliance.forms import PatternForm, TermForm, WhitelistForm
from mediadesk.compliance.models import PatternRule, Term, WhitelistEntry
from mediadesk.compliance.schemas import CheckIn, CheckOut
from mediadesk.core import scopes
from mediadesk.core.api_support import (
    READ_ERRORS,
    WRITE_ERRORS,
    ImportDoneOut,
    ImportPreviewOut,
    form_checked,
    form_data,
    listed,
    pending,
    preview_answer,
    preview_errors,
    read_file,
    who,
)
from mediadesk.core.errors import ValidationError
from mediadesk.core.imports import discard
from mediadesk.core.schemas import MAX_ID, BodyIn, ErrorOut, Page, PageIn, caller

router = Router(tags=["合规检查"])
PathId = Path(..., ge=1, le=MAX_ID)
VIEW = "合规检查（compliance.check）或词库维护（compliance.manage），本组织"
MANAGE = "词库维护（compliance.manage，法务），本组织"


@router.post(
    "/compliance/check",
    response={200: CheckOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="检查文案是否符合广告法（按本组织词库）",
)
def check(request: HttpRequest, payload: CheckIn) -> Any:
    findings = queries.check_for(
        caller(request),
        payload.text,
        platform=payload.platform,
        industry=payload.industry.value if payload.industry else None,
    )
    return queries.check_result(findings)


# --- terms ------------------------------------------------------------------------------------


class TermOut(Schema):
    id: int
    term: str
    category: str
    severity: str
    suggestion: str
    basis: str
    is_active: bool
    updated_at: dt.datetime | None = None


class TermIn(BodyIn):
    term: str
    category: str
    severity: str
    suggestion: str = ""
    basis: str = ""
    is_active: bool = True


class TermPatch(BodyIn):
    term: str | None = None
    category: str | None = None
    severity: str | None = None
    suggestion: str | None = None
    basis: str | None = None
    is_active: bool | None = None


def _terms(request: HttpRequest) -> Any:
    return Term.objects.filter(organisation=queries.require_view(caller(request)))


@router.get(
    "/compliance/terms",
    response={200: Page[TermOut], **READ_ERRORS},
    summary="合规词库",
    description=who(VIEW) + "。筛选、排序与词库页相同。",
)
def list_terms(request: HttpRequest, filters: Query[TermFilters], page: Query[PageIn]) -> Any:
    return listed(_terms(request), filters, page)


def _save_term(request: HttpRequest, term: Term | None, changes: dict[str, Any]) -> Term:
    user = caller(request)
    organisation = queries.require_manage(user)
    current = model_to_dict(term, fields=list(TermForm.base_fields)) if term else {}
    form = form_checked(TermForm(form_data(current, changes), term=term))
    return services.save_term(term, by=user, organisation=organisation, values=form.cleaned_data)


@router.post(
    "/compliance/terms",
    response={201: TermOut, **WRITE_ERRORS},
    summary="新增词语",
    description=who(MANAGE) + "。校验与词语编辑页相同；词库版本随之更新。",
)
def create_term(request: HttpRequest, payload: TermIn) -> Any:
    return Status(201, _save_term(request, None, payload.model_dump()))


@router.patch(
    "/compliance/terms/{term_id}",
    response={200: TermOut, **WRITE_ERRORS},
    summary="修改词语（只改提交的字段；is_active 启用/停用）",
    description=who(MANAGE),
)
def update_term(request: HttpRequest, payload: TermPatch, term_id: int = PathId) -> Any:
    term = scopes.get_or_404(_terms(request), term_id)
    return _save_term(request, term, payload.model_dump(exclude_unset=True))


# --- whitelist --------------------------------------------------------------------------------


class WhitelistOut(Schema):
    id: int
    phrase: str
    note: str
    is_active: bool


class WhitelistIn(BodyIn):
    phrase: str
    note: str = ""


class WhitelistPatch(BodyIn):
    note: str | None = None
    is_active: bool | None = None


def _whitelist(request: HttpRequest) -> Any:
    return WhitelistEntry.objects.filter(organisation=queries.require_view(caller(request)))


@router.get(
    "/compliance/whitelist",
    response={200: Page[WhitelistOut], **READ_ERRORS},
    summary="白名单",
    description=who(VIEW),
)
def list_whitelist(
    request: HttpRequest, filters: Query[WhitelistFilters], page: Query[PageIn]
) -> Any:
    return listed(_whitelist(request), filters, page)


@router.post(
    "/compliance/whitelist",
    response={201: WhitelistOut, **WRITE_ERRORS},
    summary="加入白名单",
    description=who(MANAGE),
)
def create_whitelist(request: HttpRequest, payload: WhitelistIn) -> Any:
    user = caller(request)
    organisation = queries.require_manage(user)
    form = form_checked(WhitelistForm(form_data({}, payload.model_dump())))
    entry = services.save_whitelist(
        None, by=user, organisation=organisation, values=form.cleaned_data
    )
    return Status(201, entry)


@router.patch(
    "/compliance/whitelist/{entry_id}",
    response={200: WhitelistOut, **WRITE_ERRORS},
    summary="修改白名单词（说明、启用/停用）",
    description=who(MANAGE),
)
def update_whitelist(request: HttpRequest, payload: WhitelistPatch, entry_id: int = PathId) -> Any:
    user = caller(request)
    entry = scopes.get_or_404(_whitelist(request), entry_id)
    organisation = queries.require_manage(user)
    values = payload.model_dump(exclude_unset=True, exclude_none=True)
    current = {"phrase": entry.phrase, "note": entry.note}
    form = form_checked(WhitelistForm(form_data(current, values)))
    values |= {k: form.cleaned_data[k] for k in values if k in form.cleaned_data}
    return services.save_whitelist(entry, by=user, organisation=organisation, values=values)


# --- pattern rules ----------------------------------------------------------------------------


class PatternOut(Schema):
    id: int
    code: str
    message: str
    regex: str
    absent: str
    anchors: str
    category: str
    severity: str
    suggestion: str
    basis: str
    platform: str
    industry: str
    is_active: bool


class PatternIn(BodyIn):
    code: str
    message: str
    regex: str
    absent: str = ""
    anchors: str = ""
    category: str
    severity: str
    suggestion: str = ""
    basis: str = ""
    platform: str = ""
    industry: str = ""
    is_active: bool = True


class PatternPatch(BodyIn):
    code: str | None = None
    message: str | None = None
    regex: str | None = None
    absent: str | None = None
    anchors: str | None = None
    category: str | None = None
    severity: str | None = None
    suggestion: str | None = None
    basis: str | None = None
    platform: str | None = None
    industry: str | None = None
    is_active: bool | None = None


def _patterns(request: HttpRequest) -> Any:
    return PatternRule.objects.filter(organisation=queries.require_view(caller(request)))


@router.get(
    "/compliance/patterns",
    response={200: Page[PatternOut], **READ_ERRORS},
    summary="句式规则",
    description=who(VIEW),
)
def list_patterns(request: HttpRequest, filters: Query[PatternFilters], page: Query[PageIn]) -> Any:
    return listed(_patterns(request), filters, page)


def _save_pattern(request: HttpRequest, rule: PatternRule | None, changes: dict[str, Any]) -> Any:
    user = caller(request)
    organisation = queries.require_manage(user)
    current = model_to_dict(rule, fields=list(PatternForm.base_fields)) if rule else {}
    form = form_checked(PatternForm(form_data(current, changes), rule=rule))
    return services.save_pattern(rule, by=user, organisation=organisation, values=form.cleaned_data)


@router.post(
    "/compliance/patterns",
    response={201: PatternOut, **WRITE_ERRORS},
    summary="新增句式规则",
    description=who(MANAGE) + "。正则表达式在保存前编译校验，与规则编辑页相同。",
)
def create_pattern(request: HttpRequest, payload: PatternIn) -> Any:
    return Status(201, _save_pattern(request, None, payload.model_dump()))


@router.patch(
    "/compliance/patterns/{rule_id}",
    response={200: PatternOut, **WRITE_ERRORS},
    summary="修改句式规则（只改提交的字段）",
    description=who(MANAGE),
)
def update_pattern(request: HttpRequest, payload: PatternPatch, rule_id: int = PathId) -> Any:
    rule = scopes.get_or_404(_patterns(request), rule_id)
    return _save_pattern(request, rule, payload.model_dump(exclude_unset=True))


# --- Excel import (upload → preview → confirm, the page's stash) ------------------------------


@router.post(
    "/compliance/imports",
    response={200: ImportPreviewOut, **WRITE_ERRORS},
    summary="导入合规词库：上传并预览",
    description=who(MANAGE) + "。multipart：file（xlsx/csv，与导出格式相同）。什么都不写入；"
    "用返回的 token 调用 confirm。",
)
def import_upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    organisation = queries.require_manage(caller(request))
    table, filename = read_file(file, imports.read_upload)
    preview = imports.validate(table, organisation=organisation)
    return preview_answer(
        request, table, filename, errors=preview_errors(preview), rows=len(preview.rows)
    )


@router.post(
    "/compliance/imports/{token}/confirm",
    response={200: ImportDoneOut, **WRITE_ERRORS},
    summary="导入合规词库：确认写入",
    description=who("上传者本人（compliance.manage）") + "。重新校验，全部写入或一条不写。",
)
def import_confirm(request: HttpRequest, token: str = Path(..., pattern="^[0-9a-f]{32}$")) -> Any:
    user = caller(request)
    organisation = queries.require_manage(user)
    table, filename, _meta = pending(request, token)
    try:
        preview = imports.confirm_import(
            table, by=user, organisation=organisation, filename=filename
        )
    except imports.ImportRejected as exc:
        raise ValidationError(preview_errors(exc.preview)) from exc
    discard(token)
    return {"created": preview.new_count, "updated": len(preview.rows) - preview.new_count}
