"""Compliance pages: lexicon, whitelist, pattern rules, the 试一试 box, Excel in and out.

Anyone with compliance.check reads them; only compliance.manage (the legal role) changes them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.compliance import exports, imports, queries, services
from mediadesk.compliance.forms import ImportForm, PatternForm, TermForm, TryForm, WhitelistForm
from mediadesk.compliance.models import Lexicon, PatternRule, Term, WhitelistEntry
from mediadesk.compliance.rules import Category, Severity
from mediadesk.core import excel, scopes
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.core.params import safe_next
from mediadesk.matrix.forms import apply_errors

IMPORT_SESSION_KEY = "compliance_import"
PER_PAGE = 50


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    organisation = queries.require_view(request.user)
    head = Lexicon.objects.get(organisation=organisation)
    return render(request, template, {
        "nav_active": "content", "can_manage": queries.can_manage(request.user), "lexicon": head,
        **context,
    })  # fmt: skip


def _params(request: HttpRequest) -> dict[str, str]:
    keys = ("q", "category", "severity", "status", "sort")
    return {k: request.GET[k] for k in keys if request.GET.get(k)}


def terms(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_view(request.user)
    params = _params(request)
    page = Paginator(queries.filter_terms(organisation, params), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _page(request, "compliance/terms.html", {
        "page": page, "params": urlencode(params), "filtered": bool(params), "tab": "terms",
        "categories": Category.choices, "severities": Severity.choices,
    })  # fmt: skip


def term_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    term = scopes.get_or_404(Term.objects.filter(organisation=organisation), pk) if pk else None
    form = TermForm(request.POST or None, term=term)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_term(
                term, by=request.user, organisation=organisation, values=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(term)s”，词库版本已更新") % {"term": saved.term})
            return redirect("compliance:terms")
    history = term and _history(term)
    return _page(
        request,
        "compliance/term_form.html",
        {"form": form, "term": term, "history": history, "tab": "terms"},
    )


def _history(obj: Any) -> Any:
    from mediadesk.core import audit

    return audit.label_entries(list(audit.history(obj)[:50]))


@require_POST
def term_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    term = scopes.get_or_404(Term.objects.filter(organisation=organisation), pk)
    try:
        services.save_term(
            term,
            by=request.user,
            organisation=organisation,
            values={"is_active": not term.is_active},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            (_("已停用“%(term)s”") if term.is_active else _("已启用“%(term)s”"))
            % {"term": term.term},
        )
    return redirect(safe_next(request, "compliance:terms"))


def whitelist(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_view(request.user)
    form = WhitelistForm(request.POST or None)
    if request.method == "POST":
        queries.require_manage(request.user)
        if form.is_valid():
            try:
                saved = services.save_whitelist(
                    None, by=request.user, organisation=organisation, values=form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已加入白名单“%(phrase)s”") % {"phrase": saved.phrase})
                return redirect("compliance:whitelist")
    q = request.GET.get("q", "")
    page = Paginator(queries.whitelist_of(organisation, request.GET), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _page(request, "compliance/whitelist.html", {
        "page": page, "form": form, "tab": "whitelist", "params": urlencode({"q": q} if q else {}),
    })  # fmt: skip


@require_POST
def whitelist_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    entry = scopes.get_or_404(WhitelistEntry.objects.filter(organisation=organisation), pk)
    try:
        services.save_whitelist(
            entry,
            by=request.user,
            organisation=organisation,
            values={"is_active": not entry.is_active},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            (
                _("已停用白名单词“%(phrase)s”")
                if entry.is_active
                else _("已启用白名单词“%(phrase)s”")
            )
            % {"phrase": entry.phrase},
        )
    return redirect("compliance:whitelist")


def patterns(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_view(request.user)
    return _page(
        request,
        "compliance/patterns.html",
        {"rules": queries.patterns_of(organisation, request.GET), "tab": "patterns"},
    )


def pattern_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    rule = (
        scopes.get_or_404(PatternRule.objects.filter(organisation=organisation), pk) if pk else None
    )
    form = PatternForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_pattern(
                rule, by=request.user, organisation=organisation, values=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存规则“%(code)s”") % {"code": saved.code})
            return redirect("compliance:patterns")
    history = rule and _history(rule)
    return _page(
        request,
        "compliance/pattern_form.html",
        {"form": form, "rule": rule, "history": history, "tab": "patterns"},
    )


def try_check(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    form = TryForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        findings = queries.check_for(
            request.user,
            data["text"],
            platform=data["platform"] or None,
            industry=data["industry"] or None,
        )
        result = {"passed": not services.has_block(findings), "findings": findings}
    return _page(request, "compliance/try.html", {"form": form, "result": result, "tab": "try"})


def export_terms(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_view(request.user)
    rows = exports.term_rows(queries.filter_terms(organisation, _params(request)))
    return excel.xlsx_response(
        _("合规词库-%(stamp)s.xlsx") % {"stamp": exports.stamp()}, exports.HEADERS, rows
    )


def import_upload(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and stash_upload(request, form, session_key=IMPORT_SESSION_KEY, read=imports.read_upload)
    ):
        return redirect("compliance:import_preview")
    return _page(
        request, "compliance/import.html", {"form": form, "columns": imports.NOTES, "tab": "import"}
    )


def import_preview(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    pending = unstash(request.session.get(IMPORT_SESSION_KEY), user=request.user)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("compliance:import")
    table, filename = pending
    preview = imports.validate(table, organisation=organisation)
    return _page(
        request,
        "compliance/import_preview.html",
        {"preview": preview, "filename": filename, "tab": "import"},
    )


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    organisation = queries.require_manage(request.user)
    pending = unstash(request.session.get(IMPORT_SESSION_KEY), user=request.user)
    if pending is None:
        messages.info(request, _("导入已失效，请重新上传文件"))
        return redirect("compliance:import")
    table, filename = pending
    try:
        preview = imports.confirm_import(
            table, by=request.user, organisation=organisation, filename=filename
        )
    except imports.ImportRejected as exc:
        messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
        return _page(
            request,
            "compliance/import_preview.html",
            {"preview": exc.preview, "filename": filename, "tab": "import"},
        )
    discard(request.session.pop(IMPORT_SESSION_KEY, None))
    messages.success(
        request,
        _("已导入 %(len)s 个词（新增 %(new_count)s）")
        % {"len": len(preview.rows), "new_count": preview.new_count},
    )
    return redirect("compliance:terms")


def import_template(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    rows = [["示例竞品名", "竞品名称", "提示", "改为本项目名称", "避免比较广告", "启用"]]
    return excel.xlsx_response("合规词库导入模板.xlsx", exports.HEADERS, rows)
