"""Matrix pages: tree, list, detail, editor, custody, credentials, standards, import, admin."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mediadesk.core import audit, excel, phone
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.matrix import exports, imports, queries, rules, services
from mediadesk.matrix.forms import (
    AccountForm,
    CredentialForm,
    CustodyForm,
    DeleteForm,
    ImportForm,
    PlatformForm,
    RevealForm,
    RuleForm,
    apply_errors,
)
from mediadesk.matrix.models import (
    Account,
    AccountStatus,
    Credential,
    Level,
    Platform,
    StandardRule,
)
from mediadesk.orgs import queries as org_queries

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
IMPORT_SESSION_KEY = "matrix_import"


def _params(request: HttpRequest) -> str:
    """The query string without the page number, for pager and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _filter_options(user: Any) -> dict[str, Any]:
    return {
        "platforms": queries.active_platforms(),
        "companies": org_queries.visible_companies(user),
        "projects": org_queries.visible_projects(user),
        "custodians": org_queries.colleagues(user),
        "statuses": AccountStatus.choices,
        "levels": Level.choices,
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav_active": "matrix", **context})


def tree(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    matrix = queries.account_tree(request.user, request.GET)
    return _page(request, "matrix/tree.html", {
        "tree": matrix, "filtered": queries.has_filters(request.GET), "params": _params(request),
        "root_rows": list(queries.tree_rows(matrix.roots)),
        "orphan_rows": list(queries.tree_rows(matrix.orphans)),
        **_filter_options(request.user),
    })  # fmt: skip


def _filtered(request: HttpRequest) -> Any:
    accounts = queries.filter_accounts(queries.visible_accounts(request.user), request.GET)
    return queries.sort_accounts(accounts, request.GET.get("sort"))


def account_list(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    page = Paginator(_filtered(request), PAGE_SIZE).get_page(request.GET.get("page"))
    sort_params = request.GET.copy()
    for key in ("page", "sort"):
        sort_params.pop(key, None)
    return _page(request, "matrix/list.html", {
        "page": page, "params": _params(request), "sort": request.GET.get("sort", ""),
        "sort_params": sort_params.urlencode(), **_filter_options(request.user),
    })  # fmt: skip


def export(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    accounts = _filtered(request)[:EXPORT_LIMIT]
    return excel.xlsx_response(
        _("账号矩阵-%(stamp)s.xlsx") % {"stamp": exports.stamp()},
        [str(h) for h in exports.ACCOUNT_HEADERS],
        exports.account_rows(accounts),
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = queries.access_account(request.user, pk)
    can_manage = queries.can_manage(request.user, account)
    can_reveal = queries.can_reveal(request.user, account)
    return _page(request, "matrix/detail.html", {
        "account": account,
        "findings": queries.standards_for(account),
        "children": queries.visible_accounts(request.user).filter(parent=account),
        "credentials": _credentials(account) if can_manage or can_reveal else None,
        "can_manage": can_manage,
        "can_reveal": can_reveal,
        "reveal_form": RevealForm(),
        "masked_phone": phone.mask(account.bound_phone),
        "bio_length": rules.text_length(account.bio),
        "history": audit.label_entries(list(audit.history(account)[:100])),
    })  # fmt: skip


def _credentials(account: Account) -> list[Credential]:
    """The account's credentials; a phone number used as login name is shown masked."""
    creds = list(account.credentials.all())
    for cred in creds:
        masked = phone.is_mobile(cred.identifier)
        cred.shown_identifier = phone.mask(cred.identifier) if masked else cred.identifier  # type: ignore[attr-defined]
    return creds


def create(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    form = AccountForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account = _save(request, form, None)
        if account is not None:
            messages.success(request, _("已创建账号“%(name)s”") % {"name": account.name})
            return redirect("matrix:detail", account.pk)
    return _form_page(request, form, None)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = queries.access_account(request.user, pk, for_write=True)
    form = AccountForm(
        request.POST or None, request.FILES or None, user=request.user, account=account
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, account)
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("matrix:detail", saved.pk)
    return _form_page(request, form, account)


def _form_page(request: HttpRequest, form: AccountForm, account: Account | None) -> HttpResponse:
    limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    return _page(
        request, "matrix/form.html", {"form": form, "account": account, "upload_limit_mb": limit_mb}
    )


def _save(request: HttpRequest, form: AccountForm, account: Account | None) -> Account | None:
    """Fields and images in one transaction: a rejected image leaves the account unchanged."""
    user: Any = request.user
    try:
        with transaction.atomic():
            if account is None:
                account = services.create_account(
                    by=user, organisation=user.organisation, values=form.values()
                )
            else:
                account = services.update_account(account, by=user, values=form.values())
            if images := form.images():
                account = services.set_images(account, by=user, **images)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("没有在该范围管理账号的权限"))
        return None
    return account


def custody(request: HttpRequest, pk: int) -> HttpResponse:
    account = queries.access_account(request.user, pk, for_write=True)
    form = CustodyForm(request.POST or None, user=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_custody(
                account, by=request.user, custodian=data["custodian"],
                backup_custodian=data["backup_custodian"], reason=data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("已将“%(name)s”转交给 %(label)s")
                % {"name": account.name, "label": data["custodian"].label},
            )
            return redirect("matrix:detail", account.pk)
    return _page(request, "matrix/custody.html", {"form": form, "account": account})


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = queries.access_account(request.user, pk, for_write=True)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.delete_account(account, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("matrix:detail", account.pk)
    messages.success(request, _("已删除账号“%(name)s”") % {"name": account.name})
    return redirect("matrix:tree")


def credential_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = queries.access_account(request.user, pk, for_write=True)
    form = CredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_credential(account, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("凭据已加密保存"))
            return redirect("matrix:detail", account.pk)
    return _page(request, "matrix/credential_form.html", {"form": form, "account": account})


def _credential(request: HttpRequest, pk: int, cred_pk: int) -> Credential:
    account = queries.access_account(request.user, pk)
    cred = get_object_or_404(Credential, pk=cred_pk, account=account)
    cred.account = account
    return cred


@never_cache
@require_POST
def credential_reveal(request: HttpRequest, pk: int, cred_pk: int) -> HttpResponse:
    """The secret in a partial (htmx) or a page, after the user re-enters their password."""
    cred = _credential(request, pk, cred_pk)
    if not queries.can_reveal(request.user, cred.account):
        raise PermissionDenied(_("只有账号负责人或管理员可以查看凭据"))
    form = RevealForm(request.POST)
    secret = None
    if form.is_valid():
        try:
            secret = services.reveal_credential(
                cred, by=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    context = {
        "cred": cred,
        "account": cred.account,
        "secret": secret,
        "form": RevealForm() if secret else form,
    }
    if request.headers.get("HX-Request"):
        return render(request, "matrix/_reveal.html", context)
    return _page(request, "matrix/reveal.html", context)


@require_POST
def credential_delete(request: HttpRequest, pk: int, cred_pk: int) -> HttpResponse:
    cred = _credential(request, pk, cred_pk)
    services.delete_credential(cred, by=request.user)
    messages.success(request, _("凭据已删除"))
    return redirect("matrix:detail", pk)


def _standards(request: HttpRequest) -> queries.StandardsOverview:
    params = {k: request.GET.get(k, "") for k in ("platform", "level", "severity")}
    return queries.standards_overview(request.user, params)


def standards(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    overview = _standards(request)
    page = Paginator(overview.report, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "matrix/standards.html", {
        "page": page, "params": _params(request), "counts": overview.counts,
        "with_findings": overview.with_findings, "severities": StandardRule.Severity.choices,
        "platforms": queries.active_platforms(), "levels": Level.choices,
    })  # fmt: skip


def standards_export(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    report = _standards(request).report
    return excel.xlsx_response(
        _("账号规范检查-%(stamp)s.xlsx") % {"stamp": exports.stamp()},
        [str(h) for h in exports.STANDARDS_HEADERS],
        exports.standards_rows(report),
    )


def import_upload(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and stash_upload(request, form, session_key=IMPORT_SESSION_KEY, read=imports.read_upload)
    ):
        return redirect("matrix:import_preview")
    return _page(request, "matrix/import.html", {"form": form, "columns": imports.NOTES})


def _pending(request: HttpRequest) -> tuple[Any, str] | None:
    return unstash(request.session.get(IMPORT_SESSION_KEY), user=request.user)


def import_preview(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("matrix:import")
    table, filename = pending
    user: Any = request.user
    preview = imports.validate(table, user=user, organisation=user.organisation)
    return _page(request, "matrix/import_preview.html", {"preview": preview, "filename": filename})


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("导入已失效，请重新上传文件"))
        return redirect("matrix:import")
    table, filename = pending
    user: Any = request.user
    try:
        created = imports.confirm_import(
            table, by=user, organisation=user.organisation, filename=filename
        )
    except imports.ImportRejected as exc:
        messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
        return _page(
            request, "matrix/import_preview.html", {"preview": exc.preview, "filename": filename}
        )
    discard(request.session.pop(IMPORT_SESSION_KEY, None))
    messages.success(request, _("已导入 %(len)s 个账号") % {"len": len(created)})
    return redirect("matrix:list")


def import_template(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    response = HttpResponse(imports.template_bytes(), content_type=excel.XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('账号导入模板.xlsx')}"
    return response


def platforms(request: HttpRequest) -> HttpResponse:
    queries.require_platforms(request.user)
    return _page(request, "matrix/platforms.html", {"platforms": Platform.objects.all()})


def platform_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_platforms(request.user)
    platform = get_object_or_404(Platform, pk=pk) if pk else None
    form = PlatformForm(request.POST or None, platform=platform)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_platform(platform, by=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存平台“%(name)s”") % {"name": saved.name})
            return redirect("matrix:platforms")
    return _page(request, "matrix/platform_form.html", {"form": form, "platform": platform})


def rules_list(request: HttpRequest) -> HttpResponse:
    queries.require_platforms(request.user)
    return _page(request, "matrix/rules.html", {"rules": StandardRule.objects.all()})


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require_platforms(request.user)
    rule = get_object_or_404(StandardRule, pk=pk)
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(rule, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存规则 %(code)s") % {"code": rule.code})
            return redirect("matrix:rules")
    return _page(request, "matrix/rule_form.html", {"form": form, "rule": rule})
