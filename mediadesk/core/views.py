"""The 工作台 home, global search, coming-soon pages and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.static import serve

from mediadesk.core import audit, queries, registry, scopes
from mediadesk.core.excel import xlsx_response
from mediadesk.core.models import AuditEntry, AuditSource
from mediadesk.matrix import queries as matrix_queries
from mediadesk.notifications import queries as notification_queries
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.roles import Role

SOON = {
    "live": (gettext_lazy("直播"), gettext_lazy("直播排期、脚本、场次复盘")),
    "engagement": (gettext_lazy("互动"), gettext_lazy("评论私信、回复话术、舆情监测")),
    "goals": (gettext_lazy("目标"), gettext_lazy("目标、阶段计划、任务、日程与复盘")),
}


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "time": timezone.now().isoformat()})


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Serve an uploaded file only to users who may see the record it belongs to."""
    visible = matrix_queries.visible_accounts(request.user).filter(Q(avatar=path) | Q(banner=path))
    if not path or not visible.exists():
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scopes.roles(user) == {Role.BROKER}:
        return redirect("leads:portal")  # brokers only ever use the channel portal
    mine = matrix_queries.visible_accounts(user).filter(
        Q(custodian=user) | Q(backup_custodian=user)
    )
    my_findings = [
        (account, [f for f in findings if f.severity == "error"])
        for account, findings in matrix_queries.standards_report(mine[:50])
    ]
    context = {
        "nav_active": "home",
        "my_accounts": mine.count(),
        "my_findings": [(a, f) for a, f in my_findings if f][:10],
        "notifications": notification_queries.recent_unread(user, limit=5),
        "matrix_summary": matrix_queries.level_summary(user),
        "delivery_failures": notification_queries.failed_delivery_count(user),
        "soon": {k: v for k, v in SOON.items() if k not in _plugged_keys()},
        "plug_cards": _plug_cards(request),
    }
    return render(request, "core/home.html", context)


def _plugged_keys() -> set[str]:
    return {m.key for m in registry.menu_entries()}


def _plug_cards(request: HttpRequest) -> list[tuple[registry.HomeCard, dict]]:
    """Registered apps' home cards with their context; a card whose context is None is hidden."""
    cards = []
    for card in registry.home_cards():
        ctx = card.context(request)
        if ctx is not None:
            cards.append((card, dict(ctx)))
    return cards


def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    results: dict[str, list] = {"accounts": [], "projects": [], "users": []}
    if q:
        results["accounts"] = list(
            matrix_queries.visible_accounts(request.user).filter(
                Q(name__icontains=q)
                | Q(platform_account_id__icontains=q)
                | Q(positioning__icontains=q)
            )[:20]
        )
        results["projects"] = list(
            org_queries.visible_projects(request.user).filter(name__icontains=q)[:20]
        )
        results["users"] = list(
            org_queries.colleagues(request.user).filter(
                Q(username__icontains=q) | Q(display_name__icontains=q)
            )[:20]
        )
    return render(
        request,
        "core/search.html",
        {"q": q, "results": results, "total": sum(map(len, results.values()))},
    )


def soon(request: HttpRequest, area: str) -> HttpResponse:
    title, what = SOON.get(area, (_("即将上线"), ""))
    return render(request, "core/soon.html", {"nav_active": area, "title": title, "what": what})


def audit_list(request: HttpRequest) -> HttpResponse:
    entries = queries.filter_audit(queries.visible_audit(request.user), request.GET)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    audit.label_entries(page)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {
            "nav_active": "settings",
            "page": page,
            "params": params.urlencode(),
            "sources": AuditSource.choices,
        },
    )


def audit_export(request: HttpRequest) -> HttpResponse:
    entries = queries.filter_audit(queries.visible_audit(request.user), request.GET)[:50_000]
    rows = (
        (e.at, e.actor_label, audit.action_label(e.action), e.action, e.target_type, e.target_id,
         e.target_label, e.get_source_display(), e.ip or "", _changes_text(e))
        for e in entries
    )  # fmt: skip
    headers = [
        _("时间"),
        _("操作人"),
        _("动作"),
        _("动作代码"),
        _("对象类型"),
        _("对象ID"),
        _("对象"),
        _("来源"),
        "IP",
        _("变更"),
    ]
    audit_stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        _("审计记录-%(audit_stamp)s.xlsx") % {"audit_stamp": audit_stamp}, headers, rows
    )


def _changes_text(entry: AuditEntry) -> str:
    return "；".join(
        f"{label}: {before} → {after}" if pair else f"{label}: {after}"
        for label, before, after, pair in audit.change_rows(entry)
    )
