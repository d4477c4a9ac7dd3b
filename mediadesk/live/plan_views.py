"""Pages of the live plan's Excel import: upload → preview → confirm (all or nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mediadesk.core.imports import discard, stash, unstash
from mediadesk.live import access, imports, plan_io

PLAN_KEY = "live_plan_import"


def _require_import(request: HttpRequest) -> None:
    access.require_view(request.user)
    if not access.can_manage_scripts(request.user):
        raise PermissionDenied(_("没有导入直播计划的权限"))


@login_required
def plan_import(request: HttpRequest) -> HttpResponse:
    """Upload the month's plan (.xlsx/.csv, as exported) for preview."""
    _require_import(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError(_("请选择要导入的文件"))
            table = imports.read(upload)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            discard(request.session.get(PLAN_KEY))
            request.session[PLAN_KEY] = stash(table, user=request.user, filename=upload.name or "")
            return redirect("live:plan_import_preview")
    return render(request, "live/plan_import.html", {"error": error, "nav_active": "live",
                                                     "headers": plan_io.headers()})  # fmt: skip


@login_required
def plan_import_preview(request: HttpRequest) -> HttpResponse:
    """What the import would create and change; 确认导入 writes every row or none."""
    _require_import(request)
    pending = unstash(request.session.get(PLAN_KEY), user=request.user)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("live:plan_import")
    table, filename = pending
    refused: list[str] = []
    if request.method == "POST":
        try:
            result = plan_io.confirm(table, user=request.user, filename=filename)
        except ValidationError as exc:
            messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
            refused = exc.messages
        else:
            discard(request.session.pop(PLAN_KEY, None))
            messages.success(
                request,
                _("直播计划已导入：新建 %(created)s 场，更新 %(updated)s 场") % result,
            )
            return redirect("live:plan")
    parsed = plan_io.parse(table, user=request.user)
    return render(request, "live/plan_import_preview.html", {
        "filename": filename, "parsed": parsed, "rows": parsed.rows[:100],
        "errors": (parsed.errors or refused)[:50], "nav_active": "live",
    })  # fmt: skip
