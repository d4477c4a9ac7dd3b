"""Pages of the leads desk: the lead list (工作台), quick entry, the customer page with
follow-up/stage/assignment, the public pool, and the Excel import/export."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from mediadesk.core import excel, phone, scopes
from mediadesk.core.errors import Conflict, PermissionDenied
from mediadesk.core.imports import discard, stash, unstash
from mediadesk.core.params import id_list
from mediadesk.leads import (
    access,
    attribution,
    exports,
    imports,
    pool,
    queries,
    services,
    views_deals,
)
from mediadesk.leads.forms import (
    AssignForm,
    FollowUpForm,
    ImportForm,
    QuickLeadForm,
    StageForm,
    apply_errors,
)
from mediadesk.leads.models import Customer, Intent, Opportunity, Source, Stage
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

IMPORT_SESSION_KEY = "leads_import"
# (stored reason, label): pool reasons are stored in the source language, shown translated.
POOL_REASONS = tuple(
    (reason, gettext_lazy(reason))
    for reason in (
        gettext_noop("判客无效"),
        gettext_noop("到访逾期"),
        gettext_noop("成交逾期"),
        gettext_noop("丢失"),
        gettext_noop("无效"),
        gettext_noop("未跟进"),
    )
)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    caps = queries.desk_caps(request.user)
    return render(request, template, {"nav_active": "leads", "caps": caps, **context})


def _params(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params.urlencode()


def _require_desk(user: Any) -> None:
    scopes.require(queries.can_use_desk(user), _("没有查看客资的权限"))


# --- the lead list --------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The lead list: sales see their own, supervisors their team's, managers all."""
    user: Any = request.user
    if queries.is_broker_only(user):
        return redirect("leads:portal")
    _require_desk(user)
    page = queries.cheap_page(queries.lead_list(user, request.GET), request.GET.get("page"))
    rows = [(o, queries.shown_phone(user, o)) for o in page]
    return _page(request, "leads/list.html", {
        "page": page, "rows": rows, "params": _params(request),
        "sort_params": _params(request, "sort"), "sort": request.GET.get("sort", ""),
        "stages": Stage.choices, "intents": Intent.choices, "sources": Source.choices,
        "mine": _my_counts(user), "can_export": scopes.has_perm(user, Perm.LEADS_EXPORT),
        "can_capture": scopes.has_perm(user, Perm.LEADS_CAPTURE),
        "can_import": scopes.has_perm(user, Perm.LEADS_IMPORT),
        **queries.filter_options(user),
    })  # fmt: skip


def _my_counts(user: Any) -> dict[str, int]:
    """The sales user's to-do figures: overdue first contacts and contacts due today."""
    mine = Opportunity.objects.filter(consultant=user, in_pool=False)
    end = timezone.localtime().replace(hour=23, minute=59, second=59)
    # One pass over the consultant's leads instead of three counts.
    return mine.aggregate(
        overdue=Count("pk", filter=Q(sla_breached_at__isnull=False, first_contact_at__isnull=True)),
        due_today=Count("pk", filter=Q(next_contact_at__lte=end)),
        new=Count("pk", filter=Q(stage=Stage.NEW)),
    )


def export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    scopes.require(scopes.has_perm(user, Perm.LEADS_EXPORT), _("没有导出客户的权限"))
    qs = queries.lead_list(user, request.GET)
    exports.record_export(user, count_hint=str(exports.LIMIT), params=_params(request))
    return excel.xlsx_response(
        _("客户列表-%(stamp)s.xlsx") % {"stamp": exports.stamp()},
        [str(h) for h in exports.HEADERS],
        exports.rows(qs, user),
    )


# --- quick entry ----------------------------------------------------------------------------


def capture(request: HttpRequest) -> HttpResponse:
    """Phone-first quick entry (快速录入) for consultants, anchors and customer service."""
    user: Any = request.user
    scopes.require(scopes.has_perm(user, Perm.LEADS_CAPTURE), _("没有录入线索的权限"))
    form = QuickLeadForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            touch = services.capture_lead(
                organisation=user.organisation, project=data["project"], phone=data["phone"],
                source=data["source"], by=user, name=data["name"], channel=data["channel"],
                note=data["note"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _form_error(form, exc)
        else:
            return _after_capture(request, touch.customer_id)
    return _page(request, "leads/capture.html", {"form": form})


def _form_error(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError):
        apply_errors(form, exc)
    else:
        form.add_error(None, str(exc))


def _after_capture(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = Customer.objects.get(pk=customer_id)
    messages.success(
        request,
        _("已录入线索：%(name)s %(phone)s")
        % {"name": customer.name or _("客户"), "phone": phone.mask(customer.phone)},
    )
    if access.visible_customers(request.user).filter(pk=customer_id).exists():
        return redirect("leads:customer", customer_id)
    return redirect("leads:capture")


def check_phone(request: HttpRequest) -> HttpResponse:
    """htmx: warn while typing when the number is already a customer (shown masked).

    Anyone who may capture can ask, so it never tells the name, stage, project or consultant.
    """
    user: Any = request.user
    scopes.require(scopes.has_perm(user, Perm.LEADS_CAPTURE))
    digits = phone.normalise(request.GET.get("phone", ""))
    found = None
    if phone.MOBILE.match(digits):
        found = Customer.objects.filter(organisation_id=user.organisation_id, phone=digits).first()
    context: dict[str, Any] = {"found": found, "masked": phone.mask(digits) if found else "", "valid": bool(
        phone.MOBILE.match(digits)), "typed": bool(digits)}  # fmt: skip
    if found is not None:  # says only that it exists and whether the caller may open it
        context["visible"] = access.visible_customers(user).filter(pk=found.pk).exists()
    return render(request, "leads/_phone_check.html", context)


# --- the customer page ----------------------------------------------------------------------


def customer(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _require_desk(user)
    found = scopes.get_or_404(access.visible_customers(user), pk)
    view = queries.customer_view(user, found)
    deals = queries.deals_by_opportunity(view.opportunities)
    cards = [
        {
            "o": o, "follow_ups": view.follow_ups[o.pk], "deals": deals[o.pk],
            "can_work": services.can_work(user, o) and not o.in_pool,
            "can_assign": scopes.allows(user, Perm.LEADS_ASSIGN, o),
            "can_deal": attribution.can_record_deal(user, o),
            **views_deals.deal_forms(o),
        }
        for o in view.opportunities
    ]  # fmt: skip
    from mediadesk.core import audit

    return _page(request, "leads/customer.html", {
        "view": view, "cards": cards, "follow_form": FollowUpForm(), "stage_form": StageForm(),
        "history": audit.label_entries(list(audit.history(found)[:50])),
        "opp_history": audit.label_entries(
            [e for o in view.opportunities for e in audit.history(o)[:50]]
        ),
    })  # fmt: skip


@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full number to an entitled user; every reveal is audited."""
    found = scopes.get_or_404(access.visible_customers(request.user), pk)
    number = services.reveal_phone(found, by=request.user)
    return render(request, "leads/_revealed.html", {"number": number})


def _opportunity(request: HttpRequest, pk: int) -> Opportunity:
    return scopes.get_or_404(
        access.visible_opportunities(request.user).select_related("customer", "project"), pk
    )


def _back(opportunity: Opportunity) -> HttpResponse:
    return redirect(f"/leads/customers/{opportunity.customer_id}/#opp-{opportunity.pk}")


@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_follow_up(
                opportunity, by=request.user, kind=data["kind"], content=data["content"],
                call_seconds=data["call_seconds"], next_contact_at=data["next_contact_at"],
                intent=data["intent"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, _("已记录跟进"))
    else:
        _message_form(request, form)
    return _back(opportunity)


def _message_errors(request: HttpRequest, exc: Exception) -> None:
    texts = getattr(exc, "messages", None) or [str(exc)]
    messages.error(request, "；".join(str(t) for t in texts))


def _message_form(request: HttpRequest, form: Any) -> None:
    texts = [f"{form.fields[k].label if k in form.fields else ''}：{' '.join(v)}".lstrip("：")
             for k, v in form.errors.items()]  # fmt: skip
    messages.error(request, "；".join(texts))


@require_POST
def stage(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.change_stage(
                opportunity, by=request.user, stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, _("已更新阶段"))
    else:
        _message_form(request, form)
    if not access.visible_opportunities(request.user).filter(pk=pk).exists():
        return redirect("leads:home")
    return _back(opportunity)


def assign(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    scopes.require(scopes.allows(request.user, Perm.LEADS_ASSIGN, opportunity), _("没有分配权限"))
    form = AssignForm(
        request.POST or None, seats=queries.seats_for_assign(request.user, [opportunity.project_id])
    )
    if request.method == "POST" and form.is_valid():
        seat = form.seats.get(form.cleaned_data["consultant"])
        try:
            services.assign_opportunity(
                opportunity, to=seat.user if seat else None, by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已分配"))
            return _back(opportunity)
    return _page(request, "leads/assign.html", {"form": form, "o": opportunity})


# --- the public pool ------------------------------------------------------------------------


def pool_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_desk(user)
    page = queries.cheap_page(queries.pool_list(user, request.GET), request.GET.get("page"))
    can_wake = scopes.has_perm(user, Perm.LEADS_ASSIGN)
    project_ids = sorted({o.project_id for o in page})
    return _page(request, "leads/pool.html", {
        "page": page, "params": _params(request), "can_wake": can_wake,
        "rows": [(o, phone.mask(o.customer.phone)) for o in page], "now": timezone.now(),
        "seats": queries.seats_for_assign(user, project_ids) if can_wake else [],
        "sources": Source.choices, "pool_reasons": POOL_REASONS, **queries.filter_options(user),
    })  # fmt: skip


@require_POST
def pool_claim(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = scopes.get_or_404(access.visible_pool(request.user), pk)
    try:
        pool.claim(opportunity, by=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _message_errors(request, exc)
        return redirect("leads:pool")
    messages.success(request, _("领取成功，请尽快首次联系客户"))
    return redirect("leads:customer", opportunity.customer_id)


@require_POST
def pool_wake(request: HttpRequest) -> HttpResponse:
    """A wake-up campaign over the selected pooled customers: assign them or release them."""
    user: Any = request.user
    scopes.require(scopes.has_perm(user, Perm.LEADS_ASSIGN), _("没有管理公海的权限"))
    ids = id_list(request.POST.getlist("ids"))
    chosen = list(access.visible_pool(user).filter(pk__in=ids).select_related("project"))
    if not chosen:
        messages.error(request, _("请先勾选公海客户"))
        return redirect("leads:pool")
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "release":
            for opportunity in chosen:
                pool.release(opportunity, by=user, reason=reason)
            messages.success(request, _("已释放 %(n)s 位客户，渠道可重新报备") % {"n": len(chosen)})
        else:
            to = _wake_targets(user, request.POST.getlist("consultants"), chosen)
            done = pool.wake_up(chosen, by=user, to=to, reason=reason)
            messages.success(request, _("已唤醒分配 %(assigned)s 位，跳过 %(skipped)s 位") % done)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        _message_errors(request, exc)
    return redirect("leads:pool")


def _wake_targets(user: Any, raw: list[str], chosen: list[Opportunity]) -> list[Any]:
    wanted = set(id_list(raw))
    seats = queries.seats_for_assign(user, sorted({o.project_id for o in chosen}))
    return list({s.user_id: s.user for s in seats if s.user_id in wanted}.values())


# --- Excel import ---------------------------------------------------------------------------


def _require_import(user: Any) -> None:
    scopes.require(scopes.has_perm(user, Perm.LEADS_IMPORT), _("没有导入线索的权限"))


def import_upload(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require_import(user)
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = imports.read_upload(upload)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            discard(request.session.get(IMPORT_SESSION_KEY, {}).get("token"))
            request.session[IMPORT_SESSION_KEY] = {
                "token": stash(table, user=user, filename=upload.name),
                "project": form.cleaned_data["project"].pk,
                "source": form.cleaned_data["source"],
            }
            return redirect("leads:import_preview")
    return _page(request, "leads/import.html", {"form": form})


def _pending(request: HttpRequest) -> tuple[Any, str, Project, str] | None:
    state = request.session.get(IMPORT_SESSION_KEY) or {}
    stashed = unstash(state.get("token"), user=request.user)
    if stashed is None:
        return None
    projects = Project.objects.filter(pk=state.get("project") or 0)
    project = projects.select_related("organisation").first()
    if project is None or not services.in_project(request.user, Perm.LEADS_IMPORT, project):
        raise Http404
    return stashed[0], stashed[1], project, state.get("source", Source.EVENT)


def import_preview(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("leads:import")
    table, filename, project, source = pending
    preview = imports.validate(table, project=project, source=source)
    return _page(request, "leads/import_preview.html", {
        "preview": preview, "filename": filename, "project": project,
        "source_label": Source(source).label,
    })  # fmt: skip


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("导入已失效，请重新上传文件"))
        return redirect("leads:import")
    table, filename, project, source = pending
    try:
        touches = imports.confirm_import(
            table, by=request.user, project=project, source=source, filename=filename
        )
    except imports.ImportRejected as exc:
        messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
        return _page(request, "leads/import_preview.html", {
            "preview": exc.preview, "filename": filename, "project": project,
            "source_label": Source(source).label,
        })  # fmt: skip
    discard(request.session.pop(IMPORT_SESSION_KEY, {}).get("token"))
    messages.success(request, _("已导入 %(n)s 条线索") % {"n": len(touches)})
    return redirect(f"/leads/?project={project.pk}")


def import_template(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    response = HttpResponse(imports.template_bytes(), content_type=excel.XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(_('线索导入模板.xlsx'))}"
    )
    return response
