"""Admin page of the organisation's editable live lists: session types and 话术 categories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mediadesk.core import audit
from mediadesk.core.models import AuditEntry
from mediadesk.live import access, types
from mediadesk.live.models import Option


def _require_admin(request: HttpRequest) -> None:
    access.require_view(request.user)
    if not access.can_manage_scripts(request.user):
        raise PermissionDenied(_("没有管理直播选项的权限"))


def _order(text: str) -> int:
    return int(text) if text.isdigit() and int(text) < 1000 else 0


@login_required
def options(request: HttpRequest) -> HttpResponse:
    """Both lists with add/rename/retire forms and the change history (audited)."""
    _require_admin(request)
    org: int = getattr(request.user, "organisation_id", None) or 0
    if request.method == "POST":
        try:
            types.save_option(
                by=request.user, kind=request.POST.get("kind", ""),
                code=request.POST.get("code", "").strip(), label=request.POST.get("label", ""),
                order=_order(request.POST.get("order", "")),
                active=request.POST.get("active") == "on",
            )  # fmt: skip
            messages.success(request, _("已保存"))
            return redirect("live:options")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    if org:
        types.ensure_defaults(org)
    rows = Option.objects.filter(organisation_id=org)
    lists = [
        (kind, label, [(o, types.labels(org, kind).get(o.code, o.label)) for o in rows
                       if o.kind == kind])
        for kind, label in Option.Kind.choices
    ]  # fmt: skip
    history = (
        AuditEntry.objects.filter(target_type="live_option", organisation_id=org)
        .select_related("actor")
        .order_by("-at", "-id")[:30]
    )
    return render(request, "live/options.html", {
        "lists": lists, "nav_active": "live",
        "history": audit.label_entries(list(history)),
    })  # fmt: skip
