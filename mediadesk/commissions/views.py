"""Commission pages: my commissions, statements by month, a statement, schemes, incentives,
live-session figures. Thin: reads through queries, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.commissions import exports, queries, rules, services
from mediadesk.commissions.filters import IncentiveFilters
from mediadesk.commissions.forms import (
    AdjustmentForm,
    IncentiveForm,
    IncentiveTierFormSet,
    LiveFigureForm,
    SchemeForm,
    SettleForm,
    TierFormSet,
    apply_errors,
    incentive_tier_initial,
    incentive_tier_rows,
    tier_initial,
    tier_rows,
)
from mediadesk.commissions.models import Incentive, Scheme, Statement
from mediadesk.core import audit, excel, scopes
from mediadesk.core.errors import Conflict, PermissionDenied
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.roles import Perm

PAGE_SIZE = 50


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav_active": "commissions", "cm_tab": "", **context})


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _month_param(request: HttpRequest) -> str:
    month = rules.parse_month(request.GET.get("month") or "")
    return f"{month or rules.month_start(timezone.localdate()):%Y-%m}"


# --- my commissions and statements ---------------------------------------------------------


def mine(request: HttpRequest) -> HttpResponse:
    """我的佣金: every user's own statements, by month."""
    return _page(
        request,
        "commissions/mine.html",
        {
            "months": queries.my_months(request.user),
            "cm_tab": "mine",
            "can_view_all": queries.can_view_all(request.user) or queries.can_manage(request.user),
        },
    )


def statement_list(request: HttpRequest) -> HttpResponse:
    queries.require_view_all(request.user)
    params = request.GET.copy()
    params.pop("page", None)
    params.setdefault("month", _month_param(request))
    qs = queries.filter_statements(queries.visible_statements(request.user), params)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "commissions/statements.html",
        {
            "page": page,
            "params": params.urlencode(),
            "month": params["month"],
            "totals": queries.month_totals(qs),
            "projects": queries.projects_for(request.user, Perm.COMMISSIONS_VIEW)
            | queries.projects_for(request.user, Perm.COMMISSIONS_MANAGE),
            "people": org_queries.colleagues(request.user),
            "statuses": Statement.Status.choices,
            "settle_form": SettleForm(initial={"month": params["month"]}),
            "can_manage": queries.can_manage(request.user),
            "cm_tab": "statements",
        },
    )


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.access_statement(request.user, pk)
    user = request.user
    return _page(
        request,
        "commissions/statement.html",
        {
            "statement": statement,
            "lines": queries.statement_lines(statement),
            "can_approve": not statement.is_locked
            and statement.month < rules.month_start(timezone.localdate())
            and scopes.allows(user, Perm.COMMISSIONS_APPROVE, statement),
            "can_adjust": scopes.allows(user, Perm.COMMISSIONS_MANAGE, statement),
            "adjust_form": AdjustmentForm(),
            "history": audit.label_entries(list(audit.history(statement)[:50])),
            "cm_tab": "statements" if statement.person_id != user.pk else "mine",
        },
    )


@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.access_statement(request.user, pk)
    try:
        services.approve_statement(statement, by=request.user)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("已审批，结算单已锁定"))
    return redirect("commissions:statement", statement.pk)


@require_POST
def adjust(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.access_statement(request.user, pk)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("commissions:statement", statement.pk)
    try:
        line = services.add_adjustment(
            statement,
            by=request.user,
            amount_fen=form.amount_fen(),
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("commissions:statement", statement.pk)
    if line.statement_id != statement.pk:
        messages.info(
            request,
            _("本结算单已锁定，调整已记入 %(month)s 的结算单")
            % {"month": f"{line.statement.month:%Y-%m}"},
        )
        return redirect("commissions:statement", line.statement_id)
    messages.success(request, _("已添加调整"))
    return redirect("commissions:statement", statement.pk)


@require_POST
def settle(request: HttpRequest) -> HttpResponse:
    queries.require_manage(request.user)
    form = SettleForm(request.POST)
    month = rules.parse_month(request.POST.get("month") or "") if form.is_valid() else None
    if month is None:
        messages.error(request, _("结算月份格式应为 YYYY-MM"))
        return redirect("commissions:statements")
    user: Any = request.user
    try:
        result = services.settle_month(organisation=user.organisation, month=month, by=user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        months = "、".join(f"{m:%Y-%m}" for m in result.months)
        messages.success(
            request,
            _("已结算 %(months)s：%(n)s 张结算单，%(changed)s 张有变化")
            % {"months": months, "n": result.statements, "changed": result.changed}
            + (
                _("，%(n)s 张已锁定未改动") % {"n": result.skipped_locked}
                if result.skipped_locked
                else ""
            ),
        )
    return redirect(f"{reverse('commissions:statements')}?month={month:%Y-%m}")


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def statement_export(request: HttpRequest, pk: int) -> HttpResponse:
    statement = queries.access_statement(request.user, pk)
    lines = queries.statement_lines(statement)
    name = _("佣金结算单-%(month)s-%(name)s.xlsx") % {
        "month": f"{statement.month:%Y-%m}",
        "name": statement.recipient_label,
    }
    return excel.xlsx_response(
        name, [str(h) for h in exports.LINE_HEADERS], exports.line_rows(statement, lines)
    )


def month_export(request: HttpRequest) -> HttpResponse:
    queries.require_view_all(request.user)
    params = request.GET.copy()
    params.setdefault("month", _month_param(request))
    qs = queries.filter_statements(queries.visible_statements(request.user), params)
    qs = qs.select_related("approved_by").annotate(line_count=Count("lines"))
    name = _("佣金汇总-%(month)s.xlsx") % {"month": params["month"]}
    return excel.xlsx_response(
        name, [str(h) for h in exports.SUMMARY_HEADERS], exports.summary_rows(qs)
    )


# --- schemes -------------------------------------------------------------------------------


def schemes(request: HttpRequest) -> HttpResponse:
    queries.require_view_all(request.user)
    qs = queries.filter_schemes(queries.visible_schemes(request.user), request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "commissions/schemes.html",
        {
            "page": page,
            "params": _params(request),
            "can_manage": queries.can_manage(request.user),
            "projects": queries.projects_for(request.user, Perm.COMMISSIONS_VIEW)
            | queries.projects_for(request.user, Perm.COMMISSIONS_MANAGE),
            "cm_tab": "schemes",
        },
    )


def scheme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_manage(request.user)
    scheme = queries.access_scheme(request.user, pk, for_write=True) if pk else None
    form = SchemeForm(request.POST or None, instance=scheme, user=request.user)
    tiers = TierFormSet(request.POST or None, initial=tier_initial(scheme), prefix="tiers")
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        saved = _save_scheme(request, form, tiers, scheme)
        if saved is not None:
            messages.success(request, _("已保存方案“%(name)s”") % {"name": saved.name})
            return redirect("commissions:schemes")
    history = audit.label_entries(list(audit.history(scheme)[:30])) if scheme else []
    return _page(
        request,
        "commissions/scheme_form.html",
        {
            "form": form,
            "tiers": tiers,
            "scheme": scheme,
            "history": history,
            "cm_tab": "schemes",
        },
    )


def _save_scheme(
    request: HttpRequest, form: SchemeForm, tiers: Any, scheme: Scheme | None
) -> Scheme | None:
    user: Any = request.user
    values = form.values()
    try:
        return services.save_scheme(
            scheme,
            by=user,
            organisation=user.organisation,
            values=values,
            tiers=tier_rows(tiers, tier_by=values["tier_by"]),
        )
    except ValidationError as exc:
        apply_errors(form, exc)  # tier problems show at the top of the form
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


# --- incentives and live figures -------------------------------------------------------------


def incentives(request: HttpRequest) -> HttpResponse:
    queries.require_view_all(request.user)
    qs = IncentiveFilters.from_query(request.GET).sorted(queries.visible_incentives(request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "commissions/incentives.html",
        {
            "page": page,
            "params": _params(request),
            "kinds": Incentive.Kind.choices,
            "can_manage": queries.can_manage(request.user),
            "cm_tab": "incentives",
        },
    )


def incentive_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_manage(request.user)
    incentive = queries.access_incentive(request.user, pk, for_write=True) if pk else None
    form = IncentiveForm(request.POST or None, instance=incentive, user=request.user)
    tiers = IncentiveTierFormSet(
        request.POST or None, initial=incentive_tier_initial(incentive), prefix="tiers"
    )
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        user: Any = request.user
        try:
            saved = services.save_incentive(
                incentive,
                by=user,
                organisation=user.organisation,
                values=form.values(),
                members=list(form.cleaned_data["members"]),
                tiers=incentive_tier_rows(tiers),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存激励规则“%(name)s”") % {"name": saved.name})
            return redirect("commissions:incentives")
    history = audit.label_entries(list(audit.history(incentive)[:30])) if incentive else []
    return _page(
        request,
        "commissions/incentive_form.html",
        {
            "form": form,
            "tiers": tiers,
            "incentive": incentive,
            "history": history,
            "cm_tab": "incentives",
        },
    )


def figures(request: HttpRequest) -> HttpResponse:
    queries.require_view_all(request.user)
    qs = queries.filter_figures(queries.visible_figures(request.user), request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = queries.can_manage(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(_("没有录入直播场次数据的权限"))
    form = LiveFigureForm(request.POST or None, user=request.user) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        user: Any = request.user
        try:
            services.save_live_figure(
                None, by=user, organisation=user.organisation, values=form.values()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已录入直播场次数据"))
            return redirect("commissions:figures")
    return _page(
        request,
        "commissions/figures.html",
        {
            "page": page,
            "params": _params(request),
            "form": form,
            "cm_tab": "figures",
            "projects": queries.projects_for(request.user, Perm.COMMISSIONS_VIEW)
            | queries.projects_for(request.user, Perm.COMMISSIONS_MANAGE),
        },
    )
