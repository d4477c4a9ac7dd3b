"""Metric import pages: upload, column mapping (presets), preview, confirm, progress, cancel.

Files up to imports.SYNC_ROWS rows are validated and imported within the request; larger
ones by the background worker while the batch page polls a progress bar (htmx).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mediadesk.analytics import imports, presets, services
from mediadesk.analytics.filters import ImportBatchFilters
from mediadesk.analytics.models import ImportBatch, ImportKind
from mediadesk.core import excel, scopes
from mediadesk.core.errors import Conflict
from mediadesk.matrix.forms import StyledForm, apply_errors
from mediadesk.matrix.models import Account, Platform

Status = ImportBatch.Status
FIELD_CHOICES = {
    kind: [(presets.IGNORE, _("（不导入）")), *((k, _(v[0])) for k, v in fields.items())]
    for kind, fields in presets.FIELDS_OF.items()
}


class UploadForm(StyledForm):
    """The upload step: data kind, platform, default account, the data's as-of time and the file."""

    kind = forms.ChoiceField(
        choices=ImportKind.choices, label=_("数据类型"), initial=ImportKind.SNAPSHOTS, required=False,
        help_text=_("发布数据快照：每行一条发布；账号日数据 / 小程序日数据：每行一个账号的一天"),
    )  # fmt: skip
    platform = forms.ModelChoiceField(Platform.objects.none(), label=_("平台"))
    account = forms.ModelChoiceField(
        Account.objects.none(), label=_("账号"), required=False,
        help_text=_("文件中没有“账号”列时必选（如公众号后台导出的文件）"),
    )  # fmt: skip
    as_of = forms.DateTimeField(
        label=_("数据截至"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("文件中没有“统计时间”列时，作为这批数据的统计时间"),
    )  # fmt: skip
    file = forms.FileField(label=_("导出文件（.csv 或 .xlsx）"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = Account.objects.alive().filter(
            scopes.scope_q(user, "analytics.import"), organisation=user.organisation
        )
        self.fields["account"].queryset = accounts.select_related("platform")  # type: ignore[attr-defined]
        self.fields["platform"].queryset = Platform.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.initial.setdefault("as_of", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        self.style()
        self.fields["account"].widget.attrs["data-account-select"] = "1"

    def account_platforms(self) -> dict[int, int]:
        """Account id → platform id, for the script that narrows the account list."""
        return {a.pk: a.platform_id for a in self.fields["account"].queryset}  # type: ignore[attr-defined]


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav_active": "analytics", **context})


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    """One of the user's own imports (others' are 404)."""
    services.require_import(request.user)
    mine = ImportBatch.objects.filter(created_by_id=request.user.pk).select_related(
        "platform", "account", "created_by", "organisation"
    )
    return scopes.get_or_404(mine, pk)


def _upload(request: HttpRequest, form: UploadForm) -> ImportBatch | None:
    data = form.cleaned_data
    try:
        return imports.upload(
            data["file"].read(), filename=data["file"].name, by=request.user,
            platform=data["platform"], account=data["account"], as_of=data["as_of"],
            kind=data["kind"] or ImportKind.SNAPSHOTS,
        )  # fmt: skip
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            apply_errors(form, exc)
        else:
            form.add_error("file", exc)
        return None


def import_home(request: HttpRequest) -> HttpResponse:
    """Upload a file; the user's earlier imports below."""
    services.require_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (batch := _upload(request, form)):
        return redirect("analytics:import_mapping", pk=batch.pk)
    history = ImportBatch.objects.filter(created_by_id=request.user.pk).select_related("platform")
    history = ImportBatchFilters.from_query(request.GET).sorted(history)
    page = Paginator(history, 20).get_page(request.GET.get("page"))
    return _page(request, "analytics/import.html", {
        "form": form, "page": page, "presets": presets.BUILTIN.values(), "kinds": ImportKind.choices,
        "account_platforms": form.account_platforms(), "sync_rows": imports.SYNC_ROWS,
    })  # fmt: skip


def _posted_mapping(request: HttpRequest, headers: list[str], kind: str) -> dict[str, str]:
    valid = dict(FIELD_CHOICES[kind])
    mapping = {}
    for index, header in enumerate(headers):
        value = request.POST.get(f"map-{index}", presets.IGNORE)
        if header:
            mapping[header] = value if value in valid else presets.IGNORE
    return mapping


def _start_preview(batch: ImportBatch) -> None:
    if batch.total_rows <= imports.SYNC_ROWS:
        imports.preview(batch)
    else:
        imports.queue_preview(batch)


def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the file's columns to fields (from a preset; optionally saved as a new preset)."""
    batch = _batch(request, pk)
    if batch.status not in (Status.UPLOADED, Status.VALIDATED):
        return redirect("analytics:import_batch", pk=batch.pk)
    headers = imports.headers_of(batch)
    offered = imports.presets_for(batch)
    mapping, preset_name = batch.mapping, batch.preset
    errors: list[str] = []
    chosen = next((p for p in offered if p[0] == request.GET.get("preset")), None)
    if chosen is not None:
        mapping, preset_name = presets.apply(chosen[2], headers, batch.kind), chosen[1]
    if request.method == "POST":
        mapping = _posted_mapping(request, headers, batch.kind)
        try:
            batch = imports.set_mapping(batch, by=request.user, mapping=mapping,
                                        save_as=request.POST.get("save_as", "").strip(),
                                        preset=request.POST.get("preset_name", batch.preset))  # fmt: skip
        except (ValidationError, Conflict) as exc:
            errors = getattr(exc, "messages", [str(exc)])
        else:
            _start_preview(batch)
            return redirect("analytics:import_batch", pk=batch.pk)
    samples = imports.sample_rows(batch)
    columns = [(i, h, mapping.get(h, presets.IGNORE), [s[i] if i < len(s) else "" for s in samples])
               for i, h in enumerate(headers)]  # fmt: skip
    return _page(request, "analytics/import_mapping.html", {
        "batch": batch, "columns": columns, "choices": FIELD_CHOICES[batch.kind], "offered": offered,
        "preset_name": preset_name, "errors": errors,
    })  # fmt: skip


def _preview_context(batch: ImportBatch) -> dict[str, Any]:
    report = batch.report or {}
    return {
        "errors": report.get("errors", [])[:200],
        "error_count": report.get("error_count", 0),
        "fuzzy": report.get("fuzzy", []),
        "matched": report.get("matched", {}),
        "valid": report.get("valid", 0),
        "new_posts": report.get("new_posts", 0),
    }


def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: progress while running, the preview when validated, the outcome after."""
    batch = _batch(request, pk)
    return _page(
        request, "analytics/import_batch.html", {"batch": batch, **_preview_context(batch)}
    )


def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (polled by htmx); reloads the page once the job has moved on."""
    batch = _batch(request, pk)
    if not batch.is_running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "analytics/_import_progress.html", {"batch": batch})


def _accepted(request: HttpRequest) -> dict[int, int]:
    accepted = {}
    for value in request.POST.getlist("fuzzy"):
        row, _, post = value.partition(":")
        if row.isdigit() and post.isdigit():
            accepted[int(row)] = int(post)
    return accepted


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the preview: import now (small files) or in the background worker."""
    batch = _batch(request, pk)
    try:
        imports.confirm(batch, by=request.user, accepted_fuzzy=_accepted(request))
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("analytics:import_batch", pk=batch.pk)
    if batch.total_rows > imports.SYNC_ROWS:
        imports.queue_import(batch)
        return redirect("analytics:import_batch", pk=batch.pk)
    try:
        report = imports.run(batch)
    except Exception:  # run() marked the batch failed and wrote nothing
        messages.error(request, gettext("导入失败，未写入任何数据"))
        return redirect("analytics:import_batch", pk=batch.pk)
    if report is not None:
        unit = gettext("条快照") if batch.kind == ImportKind.SNAPSHOTS else gettext("天")
        messages.success(
            request,
            gettext("已导入：新增 %(created)s %(unit)s，更新 %(updated)s %(unit)s")
            % {"created": report.created, "updated": report.updated, "unit": unit},
        )
    return redirect("analytics:import_batch", pk=batch.pk)


@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        imports.cancel(batch, by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, gettext("已取消导入，没有写入任何数据"))
    return redirect("analytics:import_batch", pk=batch.pk)


def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview's error rows as Excel (行号, 列, 原因)."""
    batch = _batch(request, pk)
    rows = batch.report.get("errors", []) if batch.report else []
    return excel.xlsx_response(
        f"导入错误-{batch.pk}.xlsx", [gettext("行号"), gettext("列"), gettext("原因")], rows
    )


def import_template(request: HttpRequest) -> HttpResponse:
    """The import template of a kind (?kind=account_daily / mini_daily; default snapshots)."""
    services.require_import(request.user)
    kind = request.GET.get("kind", ImportKind.SNAPSHOTS)
    if kind not in imports.TEMPLATE_COLUMNS:
        kind = ImportKind.SNAPSHOTS
    response = HttpResponse(imports.template_bytes(kind), content_type=excel.XLSX_TYPE)
    name = gettext("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
