"""Attribution pages: reports (list, form, detail), visits, viewing trips, disputes (list,
side by side, decision), 通盘通客 referrals and the project rule-set editor. Thin: the
services in attribution.py / arbitration.py decide; these pages collect input and show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mediadesk.core import audit, excel, phone, scopes
from mediadesk.core.errors import Conflict
from mediadesk.leads import access, arbitration, attribution, filters, rulesets
from mediadesk.leads.models import (
    Channel,
    Customer,
    Dispute,
    Referral,
    Report,
    ResultCode,
    RuleSet,
    Visit,
)
from mediadesk.leads.queries import (
    projects_with as _projects,
)
from mediadesk.leads.queries import (
    visible_disputes,
    visible_referrals,
    visible_reports,
    visible_trips,
)
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

PER_PAGE = 30


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav_active": "leads", **context})


class Styled(forms.Form):
    """Bootstrap classes on every widget, so the shared form partial renders cleanly."""

    small = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = " form-select-sm" if self.small else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
            elif isinstance(widget, forms.Select):
                css = "form-select" + size
            else:
                css = "form-control" + (" form-control-sm" if self.small else "")
            if css:
                widget.attrs["class"] = css


def _choices(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    form.fields[name].queryset = queryset  # type: ignore[attr-defined]


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


# --- reports ------------------------------------------------------------------------------------


class ReportFilters(Styled):
    small = True
    project = forms.ModelChoiceField(
        Project.objects.none(),
        required=False,
        label=gettext_lazy("项目"),
        empty_label=gettext_lazy("全部项目"),
    )
    channel = forms.ModelChoiceField(
        Channel.objects.none(),
        required=False,
        label=gettext_lazy("渠道"),
        empty_label=gettext_lazy("全部渠道"),
    )
    result_code = forms.TypedChoiceField(
        choices=[("", gettext_lazy("全部结果")), *ResultCode.choices],
        coerce=int,
        required=False,
        label=gettext_lazy("结果"),
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("全部状态")), *Report.Status.choices],
        required=False,
        label=gettext_lazy("状态"),
    )
    q = forms.CharField(max_length=11, required=False, label=gettext_lazy("号码后四位"))
    since = forms.DateField(required=False, label=gettext_lazy("起"))
    until = forms.DateField(required=False, label=gettext_lazy("止"))


def _filtered_reports(request: HttpRequest) -> tuple[QuerySet[Report], ReportFilters]:
    user: Any = request.user
    form = ReportFilters(request.GET or None)
    _choices(form, "project", Project.objects.filter(organisation_id=user.organisation_id))
    _choices(form, "channel", Channel.objects.filter(organisation_id=user.organisation_id))
    chosen = filters.ReportFilters.from_query(request.GET)
    qs = chosen.sorted(visible_reports(user)).select_related("project", "channel", "reporter")
    return qs, form


def _params(request: HttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    scopes.require(access.can_use_attribution(request.user))
    qs, form = _filtered_reports(request)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "leads/attribution/reports.html", {
        "page": page, "form": form, "params": _params(request),
        "can_report": scopes.has_perm(request.user, Perm.LEADS_REPORT),
        "can_export": scopes.has_perm(request.user, Perm.LEADS_EXPORT),
    })  # fmt: skip


@login_required
def reports_export(request: HttpRequest) -> HttpResponse:
    scopes.require(scopes.has_perm(request.user, Perm.LEADS_EXPORT), _("没有导出权限"))
    qs, _filters = _filtered_reports(request)
    rows = (
        (r.project.name, r.channel.name, phone.mask(r.phone), r.reporter.label,
         timezone.localtime(r.reported_at).strftime("%Y-%m-%d %H:%M"), r.result_code,
         r.get_result_code_display(), r.get_status_display(), r.reason,
         _local(r.protect_visit_until), _local(r.protect_deal_until), _local(r.intercept_until))
        for r in qs[:50_000]
    )  # fmt: skip
    user: Any = request.user
    audit.record(actor=user, action="lead_report.export", target=user,
                 changes={"count": qs.count()})  # fmt: skip
    headers = [_("项目"), _("渠道"), _("号码"), _("报备人"), _("报备时间"), _("结果代码"), _("判客结果"), _("状态"), _("说明"),
               _("到访保护至"), _("成交保护至"), _("防截客截止")]  # fmt: skip
    return excel.xlsx_response(_("报备记录.xlsx"), headers, rows)


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class ReportForm(Styled):
    project = forms.ModelChoiceField(
        Project.objects.none(), label=gettext_lazy("项目"), empty_label=gettext_lazy("请选择项目")
    )
    channel = forms.ModelChoiceField(
        Channel.objects.none(), label=gettext_lazy("渠道"), empty_label=gettext_lazy("请选择渠道")
    )
    phone = forms.CharField(max_length=20, label=gettext_lazy("客户手机号"),
                            help_text=gettext_lazy("全号，或隐号如 135****5678 / 135**345678"))  # fmt: skip
    reported_at = forms.DateTimeField(required=False, label=gettext_lazy("报备时间（补录）"),
                                      help_text=gettext_lazy("留空为当前时间；补录需导入权限"))  # fmt: skip


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    projects = _projects(user, Perm.LEADS_REPORT)
    scopes.require(projects.exists(), _("没有报备权限"))
    form = ReportForm(request.POST or None)
    _choices(form, "project", projects)
    _choices(
        form,
        "channel",
        Channel.objects.filter(organisation_id=user.organisation_id, is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = attribution.file_report(
                project=data["project"], phone=data["phone"], channel=data["channel"], by=user,
                reported_at=data.get("reported_at"),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            for message in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
        else:
            level = messages.SUCCESS if report.result_code == ResultCode.OK else messages.WARNING
            messages.add_message(
                request, level, _("判客结果：%(reason)s") % {"reason": report.reason}
            )
            return redirect("leads:report", pk=report.pk)
    return _render(request, "leads/attribution/report_form.html", {"form": form})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = scopes.get_or_404(
        visible_reports(request.user).select_related("project", "channel", "reporter"), pk
    )
    return _render(request, "leads/attribution/report.html", {
        "report": report, "history": audit.label_entries(audit.history(report)[:50]),
        "visits": report.visits.select_related("recorded_by"),
        "can_dispute": report.reporter_id == request.user.pk
        or attribution.in_project(request.user, Perm.LEADS_ARBITRATE, report.project),
    })  # fmt: skip


@login_required
@require_POST
def report_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    report = scopes.get_or_404(visible_reports(request.user), pk)
    try:
        dispute = arbitration.request_dispute(
            report, by=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(_errors(exc)) if isinstance(exc, ValidationError)
                       else str(exc))  # fmt: skip
        return redirect("leads:report", pk=pk)
    messages.success(request, _("已提交争议判客申请"))
    return redirect("leads:dispute", pk=dispute.pk)


# --- visits and trips ---------------------------------------------------------------------------


class VisitForm(Styled):
    project = forms.ModelChoiceField(
        Project.objects.none(), label=gettext_lazy("项目"), empty_label=gettext_lazy("请选择项目")
    )
    phone = forms.CharField(max_length=20, label=gettext_lazy("客户手机号（全号）"))
    channel = forms.ModelChoiceField(Channel.objects.none(), required=False, label=gettext_lazy("带看渠道"),
                                     empty_label=gettext_lazy("自然到访（无渠道）"))  # fmt: skip
    visited_at = forms.DateTimeField(
        required=False, label=gettext_lazy("到访时间"), help_text=gettext_lazy("留空为当前时间")
    )


def _channels(user: Any) -> QuerySet[Channel]:
    return Channel.objects.filter(organisation_id=user.organisation_id, is_active=True)


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    projects = _projects(user, Perm.LEADS_VISIT)
    scopes.require(projects.exists(), _("没有到访登记权限"))
    form = VisitForm(request.POST or None)
    _choices(form, "project", projects)
    _choices(form, "channel", _channels(user))
    visit = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = attribution.record_visit(
                project=data["project"], phone=data["phone"], by=user, channel=data["channel"],
                visited_at=data.get("visited_at"),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            for message in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
    recent = Visit.objects.filter(project__in=projects).select_related(
        "project", "channel", "attributed_report__channel", "confirmed_by"
    )[:20]
    return _render(request, "leads/attribution/visit_form.html",
                    {"form": form, "visit": visit, "recent": recent})  # fmt: skip


@login_required
@require_POST
def visit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """确客 a recorded visit (projects that do not auto-confirm)."""
    visits = Visit.objects.filter(project__in=_projects(request.user, Perm.LEADS_VISIT))
    visit: Visit = scopes.get_or_404(visits.select_related("project"), pk)
    try:
        attribution.confirm_visit(visit, by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已确客"))
    return redirect("leads:visit_new")


class TripFilters(Styled):
    small = True
    channel = forms.ModelChoiceField(
        Channel.objects.none(),
        required=False,
        label=gettext_lazy("渠道"),
        empty_label=gettext_lazy("全部渠道"),
    )
    since = forms.DateField(required=False, label=gettext_lazy("起"))
    until = forms.DateField(required=False, label=gettext_lazy("止"))


@login_required
def trips(request: HttpRequest) -> HttpResponse:
    """带看单 list: one row per trip, its channel, time and the (project, customer) pairs."""
    scopes.require(access.can_use_attribution(request.user))
    user: Any = request.user
    form = TripFilters(request.GET or None)
    _choices(form, "channel", _channels(user))
    qs = filters.TripFilters.from_query(request.GET).sorted(visible_trips(user))
    qs = qs.select_related("channel", "broker__user", "created_by")
    qs = qs.annotate(pairs=Count("visits"), ok=Count("visits", filter=Q(visits__result_code=0)))
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    names = _trip_projects([t.pk for t in page])
    for trip in page:
        trip.project_names = "、".join(names[trip.pk])  # type: ignore[attr-defined]
    return _render(request, "leads/attribution/trips.html", {
        "form": form, "page": page, "params": _params(request),
        "can_record": _projects(user, Perm.LEADS_VISIT).exists(),
    })  # fmt: skip


def _trip_projects(trip_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {pk: [] for pk in trip_ids}
    rows = Visit.objects.filter(trip_id__in=trip_ids).values_list("trip_id", "project__name")
    for trip_id, name in rows.distinct().order_by("project__name"):
        names[trip_id].append(name)
    return names


class TripForm(Styled):
    channel = forms.ModelChoiceField(
        Channel.objects.none(),
        label=gettext_lazy("带看渠道"),
        empty_label=gettext_lazy("请选择渠道"),
    )
    trip_at = forms.DateTimeField(label=gettext_lazy("带看时间"), initial=timezone.now)
    projects = forms.ModelMultipleChoiceField(Project.objects.none(), label=gettext_lazy("带看项目"),
                                              widget=forms.CheckboxSelectMultiple)  # fmt: skip
    phones = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=gettext_lazy("客户手机号"),
                             help_text=gettext_lazy("每行一个；每位客户在每个所选项目分别确客判客"))  # fmt: skip


@login_required
def trip_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    projects = _projects(user, Perm.LEADS_VISIT)
    scopes.require(projects.exists(), _("没有到访登记权限"))
    form = TripForm(request.POST or None)
    _choices(form, "projects", projects)
    _choices(form, "channel", _channels(user))
    trip = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phones = [line.strip() for line in data["phones"].splitlines() if line.strip()]
        pairs = [(p, n) for p in data["projects"] for n in phones]
        try:
            trip = attribution.record_trip(by=user, channel=data["channel"],
                                           trip_at=data["trip_at"], pairs=pairs)  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            for message in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
    visits = trip.visits.select_related("project", "customer") if trip else []
    return _render(request, "leads/attribution/trip_form.html",
                   {"form": form, "trip": trip, "visits": visits})  # fmt: skip


# --- disputes -----------------------------------------------------------------------------------


@login_required
def disputes(request: HttpRequest) -> HttpResponse:
    scopes.require(access.can_use_attribution(request.user))
    qs = visible_disputes(request.user).select_related("project", "report_a__channel",
                                                       "report_b__channel", "consultant_b")  # fmt: skip
    chosen = filters.DisputeFilters.from_query(request.GET)
    page = Paginator(chosen.sorted(qs), PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "leads/attribution/disputes.html", {
        "page": page, "state": chosen.state, "kind": chosen.kind or "",
        "kinds": Dispute.Kind.choices, "params": _params(request),
    })  # fmt: skip


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = scopes.get_or_404(
        visible_disputes(request.user).select_related(
            "project", "report_a__channel", "report_b__channel", "consultant_b", "decided_by"
        ),
        pk,
    )
    if request.method == "POST":
        return _decide(request, dispute)
    left, right = arbitration.timelines(dispute)
    return _render(request, "leads/attribution/dispute.html", {
        "dispute": dispute, "left": left, "right": right,
        "can_decide": not dispute.decision
        and attribution.in_project(request.user, Perm.LEADS_ARBITRATE, dispute.project),
        "decisions": Dispute.Decision.choices,
        "history": audit.label_entries(audit.history(dispute)[:20]),
    })  # fmt: skip


def _decide(request: HttpRequest, dispute: Dispute) -> HttpResponse:
    share = request.POST.get("share_a") or None
    try:
        share_a = Decimal(share) if share else None
        arbitration.decide_dispute(dispute, by=request.user, decision=request.POST.get("decision", ""),
                                   reason=request.POST.get("reason", ""), share_a=share_a)  # fmt: skip
    except InvalidOperation:
        messages.error(request, _("A方分佣比例应为 0 到 1 之间的小数"))
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已裁决，并已通知双方"))
    return redirect("leads:dispute", pk=dispute.pk)


# --- referrals ----------------------------------------------------------------------------------


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    scopes.require(access.can_use_attribution(request.user))
    chosen = filters.ReferralFilters.from_query(request.GET)
    qs = chosen.sorted(visible_referrals(request.user)).select_related(
        "customer", "from_project", "to_project", "requested_by", "decided_by"
    )
    status = chosen.status
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    for referral in page:
        referral.can_decide = referral.status == Referral.Status.PENDING and (  # type: ignore[attr-defined]
            attribution.in_project(request.user, Perm.LEADS_ARBITRATE, referral.to_project)
        )
    return _render(request, "leads/attribution/referrals.html", {
        "page": page, "status": status, "statuses": Referral.Status.choices,
        "params": _params(request),
    })  # fmt: skip


@login_required
@require_POST
def referral_decide(request: HttpRequest, pk: int) -> HttpResponse:
    referral = scopes.get_or_404(visible_referrals(request.user), pk)
    try:
        arbitration.decide_referral(referral, by=request.user,
                                    approve=request.POST.get("approve") == "1",
                                    reason=request.POST.get("reason", ""))  # fmt: skip
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已审核转介"))
    return redirect("leads:referrals")


@login_required
def referral_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer: Customer = scopes.get_or_404(access.visible_customers(request.user), customer_id)
    mine = access.visible_opportunities(request.user).filter(customer=customer)
    sources = Project.objects.filter(pk__in=mine.values("project_id"))
    targets = Project.objects.filter(organisation_id=customer.organisation_id, is_active=True)
    if request.method == "POST":
        try:
            arbitration.request_referral(
                customer=customer,
                from_project=scopes.get_or_404(sources, request.POST.get("from_project")),
                to_project=scopes.get_or_404(targets, request.POST.get("to_project")),
                by=request.user, reason=request.POST.get("reason", ""),
            )  # fmt: skip
        except (ValidationError, Conflict) as exc:
            messages.error(request, "；".join(_errors(exc)) if isinstance(exc, ValidationError)
                           else str(exc))  # fmt: skip
        else:
            messages.success(request, _("已提交转介，等待目标项目审核"))
            return redirect("leads:referrals")
    return _render(request, "leads/attribution/referral_form.html",
                   {"customer": customer, "sources": sources, "targets": targets})  # fmt: skip


# --- rule-set editor ----------------------------------------------------------------------------


class RulesForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = (
                    "form-select" if isinstance(widget, forms.Select) else "form-control"
                )

    class Meta:
        model = RuleSet
        fields = [f for f in rulesets.RULE_FIELDS if f != "protected_sources"]


@login_required
def rules_edit(request: HttpRequest, project_id: int | None = None) -> HttpResponse:
    projects = _projects(request.user, Perm.LEADS_RULES)
    scopes.require(projects.exists(), _("没有判客规则设置权限"))
    project = scopes.get_or_404(projects, project_id) if project_id else projects.first()
    assert project is not None
    rule_set = attribution.rules_for(project)
    form = RulesForm(request.POST or None, instance=RuleSet.objects.get(pk=rule_set.pk))
    sources_text = request.POST.get("protected_sources", "") if request.method == "POST" else (
        "\n".join(f"{k}={v}" for k, v in (rule_set.protected_sources or {}).items())
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            values["protected_sources"] = _sources(sources_text)
            rulesets.update_rules(rule_set, by=request.user, values=values)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("判客规则已保存"))
            return redirect("leads:rules_project", project_id=project.pk)
    return _render(request, "leads/attribution/rules.html", {
        "form": form, "project": project, "projects": projects, "sources_text": sources_text,
        "history": audit.label_entries(audit.history(rule_set)[:20]),
        "overrides": rule_set.channel_rules.select_related("channel").order_by("channel__name"),
        "channel_form": ChannelRuleForm(request.user),
    })  # fmt: skip


class ChannelRuleForm(Styled):
    """One channel's period overrides; an empty field uses the project's value."""

    small = True
    channel = forms.ModelChoiceField(
        Channel.objects.none(), label=gettext_lazy("渠道"), empty_label=gettext_lazy("选择渠道")
    )
    visit_protect_days = forms.IntegerField(required=False, min_value=0, max_value=3650,
                                            label=gettext_lazy("到访保护期（天）"))  # fmt: skip
    deal_protect_days = forms.IntegerField(required=False, min_value=0, max_value=3650,
                                           label=gettext_lazy("成交保护期（天）"))  # fmt: skip
    intercept_minutes = forms.IntegerField(required=False, min_value=0, max_value=3650,
                                           label=gettext_lazy("防截客（分钟）"))  # fmt: skip

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "channel", _channels(user))


@login_required
@require_POST
def rules_channel(request: HttpRequest, project_id: int) -> HttpResponse:
    """Save (or, with every period empty, remove) one channel's overrides."""
    project = scopes.get_or_404(_projects(request.user, Perm.LEADS_RULES), project_id)
    form = ChannelRuleForm(request.user, request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(str(e) for e in errors)}")
        return redirect("leads:rules_project", project_id=project.pk)
    data = form.cleaned_data
    values = {k: data[k] for k in ("visit_protect_days", "deal_protect_days", "intercept_minutes")}
    try:
        saved = rulesets.set_channel_rule(
            attribution.rules_for(project), by=request.user, channel=data["channel"], values=values
        )
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    else:
        done = _("%(channel)s 的渠道规则已保存") if saved else _("%(channel)s 的渠道规则已清除")
        messages.success(request, done % {"channel": data["channel"].name})
    return redirect("leads:rules_project", project_id=project.pk)


def _sources(text: str) -> dict[str, int]:
    """`code=days` lines → the protected-sources mapping (validated by the service)."""
    out: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, _sep, days = line.partition("=")
        if not days.strip().isdigit():
            raise ValidationError(
                {"protected_sources": _("第 %(n)s 行应为 来源代码=天数，如 live=30") % {"n": n}}
            )
        out[code.strip()] = int(days)
    return out
