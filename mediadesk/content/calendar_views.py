"""Calendar pages: the month/week/list page, its JSON event feed and the drag-to-reschedule
endpoint. Thin: reads come from content.calendar / content.queries, the write from
content.services.reschedule_variant."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mediadesk.content import calendar, queries, services
from mediadesk.content.models import Status
from mediadesk.core import scopes
from mediadesk.core.errors import Conflict, PermissionDenied
from mediadesk.core.params import MAX_ID, id_param
from mediadesk.matrix import queries as matrix_queries
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.roles import Perm

NO_VIEW = gettext_lazy("没有查看内容日历的权限")


def _problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or []}, status=status)


def _messages(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _options(user: Any) -> dict[str, Any]:
    platforms = calendar.with_colours(matrix_queries.active_platforms().values("code", "name"))
    return {
        "platforms": platforms,
        "best_times": calendar.best_time_legend(platforms),
        "accounts": list(queries.variant_accounts(user).values("id", "name", "platform__name")),
        "owners": list(org_queries.colleagues(user).values("id", "username", "display_name")),
        "series": list(queries.visible_series(user).filter(is_active=True).values("id", "name")),
        "statuses": Status.choices,
    }


def calendar_page(request: HttpRequest) -> HttpResponse:
    """The calendar page; the events come from the feed."""
    user = request.user
    scopes.require(calendar.can_view(user), str(NO_VIEW))
    filters = calendar.FilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    view = request.GET.get("view", "")
    return render(request, "content/calendar.html", {
        "nav_active": "content",
        "chosen": chosen,
        "initial_view": view if view in calendar.VIEWS else "",
        "initial_date": calendar.date_param(request.GET.get("date")),
        "can_edit": scopes.has_perm(user, Perm.CONTENT_EDIT),
        "reschedule_url": reverse("content:calendar_reschedule", args=[MAX_ID]),
        "id_placeholder": MAX_ID,
        **_options(user),
    })  # fmt: skip


@require_GET
def calendar_feed(request: HttpRequest) -> JsonResponse:
    """Events of the shown range: capped variants, "+N" per busy day, marketing nodes."""
    user = request.user
    if not calendar.can_view(user):
        return _problem(403, str(NO_VIEW))
    form = calendar.FeedForm(request.GET)
    if not form.is_valid():
        return _problem(400, _("日历参数无效"), calendar.form_errors(form))
    data = form.cleaned_data
    cap = calendar.cap_for(data["start"], data["end"])
    qs = calendar.apply_filters(queries.visible_variants(user), data)
    rows = calendar.capped_rows(user, qs, data["start"], data["end"], cap)
    nodes = queries.nodes_between(user, *calendar.local_days(data["start"], data["end"]))
    return JsonResponse(
        calendar.variant_events(rows, cap)
        + calendar.node_events(nodes)
        + calendar.extra_events(user, data["start"], data["end"]),
        safe=False,
    )


@require_POST
def calendar_reschedule(request: HttpRequest, pk: str) -> JsonResponse:
    """Move a variant to the slot it was dropped on (content.edit in scope; audited)."""
    user = request.user
    if not calendar.can_view(user):
        return _problem(403, str(NO_VIEW))
    variant_id = id_param(pk)
    variant = queries.visible_variants(user).filter(pk=variant_id).first() if variant_id else None
    if variant is None:
        return _problem(404, _("平台稿不存在或不在您的权限范围内"))
    form = calendar.RescheduleForm(request.POST)
    if not form.is_valid():
        return _problem(400, _("计划发布时间无效"), calendar.form_errors(form))
    try:
        services.reschedule_variant(variant, by=user, planned_at=form.cleaned_data["planned_at"])
    except PermissionDenied as exc:
        return _problem(403, str(exc) or _("没有调整该平台稿排期的权限"))
    except ValidationError as exc:
        return _problem(400, _messages(exc))
    except Conflict as exc:
        return _problem(409, str(exc) or _("该平台稿已被他人修改，请刷新后重试"))
    variant.refresh_from_db(fields=["planned_at"])
    when = calendar.wall_time(variant.planned_at) if variant.planned_at else ""
    return JsonResponse({"id": variant.pk, "planned_at": when,
                         "message": _("已改期至 %(when)s") % {"when": when.replace("T", " ")}})  # fmt: skip
