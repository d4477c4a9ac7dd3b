"""Pages of the analytics dashboards: overview, template 3 (数据监测与分析表) with inline
analysis editing, the 效果评估报告, the account page, A/B tests and competitors. Thin: the reads
are queries.py/reports.py, the writes services_dash.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mediadesk.analytics import abtest, dashboards, exports_dash, queries, reports, services_dash
from mediadesk.analytics.filters import ABTestFilters
from mediadesk.analytics.models import (
    ABTest,
    ABVariant,
    Attribution,
    BenchmarkAccount,
    PostMetrics,
)
from mediadesk.content.models import Series
from mediadesk.core import scopes
from mediadesk.matrix.forms import StyledForm, apply_errors
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Perm

PER_PAGE = 50
MAX_DAYS = 366


class FilterForm(StyledForm):
    """Period and dimensions of a table or dashboard (GET)."""

    start = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    platform = forms.ChoiceField(label=_("平台"), required=False)
    account = forms.TypedChoiceField(label=_("账号"), required=False, coerce=int, empty_value=None)
    series = forms.TypedChoiceField(
        label=_("专辑/系列"), required=False, coerce=int, empty_value=None
    )
    owner = forms.TypedChoiceField(label=_("负责人"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, user: Any, days: int = 30) -> None:
        super().__init__(data)
        self.days = days
        start, end = queries.default_period(days)
        self.initial.update({"start": start, "end": end})  # show the effective period
        scoped = scopes.scope_q(user, Perm.ANALYTICS_VIEW)
        accounts = Account.objects.alive().filter(scoped).select_related("platform")
        self._choices(
            "platform",
            [
                ("", _("全部平台")),
                *Platform.objects.filter(is_active=True).values_list("code", "name"),
            ],
        )
        self._choices("account", [("", _("全部账号")), *((a.pk, a.name) for a in accounts)])
        self._choices(
            "series",
            [
                ("", _("全部专辑")),
                *Series.objects.filter(
                    scopes.scope_q(user, Perm.ANALYTICS_VIEW, shared=True)
                ).values_list("pk", "name"),
            ],
        )
        owners = User.objects.filter(organisation=user.organisation, is_active=True)
        self._choices("owner", [("", _("全部负责人")), *((u.pk, u.label) for u in owners)])
        self.style()

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = queries.default_period(self.days)
        data["start"] = data.get("start") or start
        data["end"] = data.get("end") or end
        if data["end"] < data["start"]:
            self.add_error("end", gettext("结束日期不能早于开始日期"))
        elif (data["end"] - data["start"]).days >= MAX_DAYS:
            self.add_error("end", gettext("周期不能超过 %(n)s 天") % {"n": MAX_DAYS})
        return data

    def filters(self) -> queries.Filters:
        """The valid filters, or the default period when the input is invalid."""
        if self.is_valid():
            d = self.cleaned_data
            return queries.Filters(
                d["start"],
                d["end"],
                d.get("platform") or None,
                d.get("account"),
                d.get("series"),
                d.get("owner"),
            )
        return queries.Filters(*queries.default_period(self.days))


def _filters(request: HttpRequest, days: int = 30) -> tuple[FilterForm, queries.Filters]:
    queries.require_view(request.user)
    form = FilterForm(request.GET or None, user=request.user, days=days)
    return form, form.filters()


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """数据总览: KPIs with 环比, trends, by platform and account (DailyTotals only)."""
    form, f = _filters(request)
    return render(
        request,
        "analytics/overview.html",
        {
            "nav_active": "analytics",
            "form": form,
            "f": f,
            "kpis": queries.kpis(request.user, f),
            "charts": queries.charts(request.user, f),
            "params": _params(request),
        },
    )


@login_required
def panels(request: HttpRequest) -> HttpResponse:
    """专辑/主题/负责人 comparisons and the 公众号 and 小程序 KPI panels of the period."""
    form, f = _filters(request)
    return render(
        request,
        "analytics/panels.html",
        {
            "nav_active": "analytics",
            "form": form,
            "f": f,
            "comparisons": queries.comparisons(request.user, f),
            "wechat": queries.wechat_panel(request.user, f),
            "mini": queries.mini_panel(request.user, f),
            "activity_definition": queries.ACTIVITY_DEFINITION,
            "mini_definition": queries.MINI_DEFINITION,
            "params": _params(request),
        },
    )


@login_required
def monitoring(request: HttpRequest) -> HttpResponse:
    """数据监测与分析表 (template 3)."""
    form, f = _filters(request, days=7)
    page = Paginator(queries.ordered(queries.posts(request.user, f)), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = queries.monitoring_rows(f, page.object_list)
    return render(
        request,
        "analytics/monitoring.html",
        {
            "nav_active": "analytics",
            "form": form,
            "f": f,
            "page": page,
            "rows": rows,
            "can_edit": scopes.has_perm(request.user, Perm.ANALYTICS_EDIT),
            "headers": [gettext(h) for h in queries.MONITORING_HEADERS],
            "params": _params(request),
        },
    )


@login_required
def monitoring_export(request: HttpRequest) -> HttpResponse:
    """Template 3 as Excel (the page's filters)."""
    _form, f = _filters(request, days=7)
    return exports_dash.monitoring_xlsx(request.user, f)


class AnalysisForm(StyledForm):
    analysis = forms.CharField(
        label=_("亮点/问题分析"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggestion = forms.CharField(
        label=_("优化建议"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = forms.MultipleChoiceField(
        label=_("归因"),
        required=False,
        choices=Attribution.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    custom = forms.CharField(label=_("自定义归因（逗号分隔）"), required=False, max_length=100)

    def tag_list(self) -> list[str]:
        custom = self.cleaned_data["custom"].replace("，", ",").split(",")
        return [*self.cleaned_data["tags"], *(c.strip() for c in custom if c.strip())]


def _one_row(request: HttpRequest, pk: int) -> queries.Row:
    f = queries.Filters(dt.date.min, dt.date.max)
    qs = queries.ordered(
        PostMetrics.objects.filter(scopes.scope_q(request.user, Perm.ANALYTICS_VIEW), variant_id=pk)
    )
    metric = scopes.get_or_404(qs, pk)
    return queries.monitoring_rows(f, [metric])[0]


@login_required
def analysis_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Inline (htmx) editing of a row's two text columns and its 归因 tags."""
    queries.require_view(request.user)
    row = _one_row(request, pk)
    metric = PostMetrics.objects.select_related("variant").get(pk=pk)
    scopes.require(
        scopes.allows(request.user, Perm.ANALYTICS_EDIT, metric.variant),
        gettext("没有该发布的数据分析编辑权限"),
    )
    known = {c for c, _ in Attribution.choices}
    initial = {
        "analysis": row.analysis,
        "suggestion": row.suggestion,
        "tags": [t for t in row.tags if t in known],
        "custom": "，".join(t for t in row.tags if t not in known),
    }
    form = AnalysisForm(request.POST or None, initial=initial)
    form.style()
    if request.method == "POST" and form.is_valid():
        try:
            services_dash.save_analysis(
                metric.variant,
                by=request.user,
                tags=form.tag_list(),
                analysis=form.cleaned_data["analysis"],
                suggestion=form.cleaned_data["suggestion"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(
                request,
                "analytics/_monitoring_row.html",
                {"row": _one_row(request, pk), "can_edit": True},
            )
    return render(request, "analytics/_analysis_form.html", {"row": row, "form": form})


@login_required
def analysis_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One template-3 row (cancelling an inline edit)."""
    queries.require_view(request.user)
    can_edit = scopes.has_perm(request.user, Perm.ANALYTICS_EDIT)
    return render(
        request,
        "analytics/_monitoring_row.html",
        {"row": _one_row(request, pk), "can_edit": can_edit},
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """效果评估报告 (printable; the browser's 打印 → 另存为 PDF)."""
    form, f = _filters(request)
    built = reports.build(request.user, f, _report_title(f))
    if request.GET.get("format") == "xlsx":
        return exports_dash.report_xlsx(built)
    return render(
        request,
        "analytics/report.html",
        {
            "nav_active": "analytics",
            "form": form,
            "report": built,
            "charts": reports.chart_data(built),
            "params": _params(request),
        },
    )


def _report_title(f: queries.Filters) -> str:
    if f.series:
        series = Series.objects.filter(pk=f.series).first()
        if series:
            return gettext("专辑“%(name)s”") % {"name": series.name}
    return gettext("周期")


@login_required
def account(request: HttpRequest, pk: int) -> HttpResponse:
    """账号数据页: follower curve, posting frequency vs quota, best-hours heatmap, top/bottom."""
    form, f = _filters(request, days=90)
    acct = scopes.get_or_404(
        Account.objects.filter(scopes.scope_q(request.user, Perm.ANALYTICS_VIEW)).select_related(
            "platform"
        ),
        pk,
    )
    data = dashboards.account_page(acct, f)
    return render(
        request,
        "analytics/account.html",
        {
            "nav_active": "analytics",
            "form": form,
            "account": acct,
            "f": f,
            **data,
            "params": _params(request),
        },
    )


# ------------------------------------------------------------------ A/B tests


class ABTestForm(StyledForm):
    name = forms.CharField(label=_("测试名称"), max_length=80)
    hypothesis = forms.CharField(
        label=_("假设"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("测试对象"), choices=ABTest.Kind.choices)
    metric = forms.ChoiceField(label=_("指标"), choices=ABTest.Metric.choices)
    min_exposures = forms.IntegerField(label=_("每组最少曝光"), min_value=1, initial=100)
    min_successes = forms.IntegerField(label=_("每组最少成功/失败数"), min_value=1, initial=10)
    arms = forms.CharField(
        label=_("测试组（每行：标题或封面说明,曝光数,成功数）"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _("开放日限时礼遇,5000,250\n曲江府样板间首开,5000,325"),
            }
        ),
    )

    def clean_arms(self) -> list[tuple[str, int, int]]:
        out = []
        for number, line in enumerate(self.cleaned_data["arms"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").rsplit(",", 2)]
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                raise forms.ValidationError(
                    gettext("第 %(n)s 行格式应为：说明,曝光数,成功数") % {"n": number}
                )
            out.append((parts[0], int(parts[1]), int(parts[2])))
        return out


@login_required
def abtests(request: HttpRequest) -> HttpResponse:
    """A/B tests: list with verdicts, and the form to add one."""
    queries.require_view(request.user)
    can_edit = scopes.has_perm(request.user, Perm.ANALYTICS_EDIT)
    form = ABTestForm(request.POST or None)
    form.style()
    if request.method == "POST" and can_edit and form.is_valid():
        data = dict(form.cleaned_data)
        arms = data.pop("arms")
        try:
            test = services_dash.create_abtest(by=request.user, values=data, arms=arms)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, gettext("A/B测试已创建"))
            return redirect("analytics:abtest", pk=test.pk)
    qs = ABTestFilters.from_query(request.GET).sorted(queries.visible_abtests(request.user))
    page = Paginator(qs.prefetch_related("arms"), 20).get_page(request.GET.get("page"))
    tests = [(t, _result(t)) for t in page.object_list]
    return render(
        request,
        "analytics/abtests.html",
        {
            "nav_active": "analytics",
            "form": form,
            "page": page,
            "tests": tests,
            "can_edit": can_edit,
            "params": "",
        },
    )


def _result(test: ABTest) -> abtest.Result | None:
    arms = [abtest.Arm(a.label, a.exposures, a.successes) for a in test.arms.all()]
    if len(arms) < 2:
        return None
    return abtest.analyse(arms, abtest.MinSample(test.min_exposures, test.min_successes))


@login_required
def abtest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One A/B test: each arm's rate with its 95% interval, lift, p-value and the verdict."""
    queries.require_view(request.user)
    test = scopes.get_or_404(
        ABTest.objects.filter(
            scopes.scope_q(request.user, Perm.ANALYTICS_VIEW, shared=True)
        ).prefetch_related("arms"),
        pk,
    )
    result = _result(test)
    rows = _arm_rows(test, result)
    charts = {
        "arms": [
            {"label": r["label"], "rate": r["rate_value"], "low": r["low"], "high": r["high"]}
            for r in rows
        ]
    }
    return render(
        request,
        "analytics/abtest.html",
        {
            "nav_active": "analytics",
            "test": test,
            "result": result,
            "rows": rows,
            "charts": charts,
            "can_edit": scopes.allows(request.user, Perm.ANALYTICS_EDIT, test),
        },
    )


def _pct(value: float | None, places: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{places}f}%"


def _arm_rows(test: ABTest, result: abtest.Result | None) -> list[dict[str, Any]]:
    """Each arm with its figures formatted for the page and the chart."""
    results = {r.arm.label: r for r in result.arms} if result else {}
    rows = []
    for arm in test.arms.all():
        r = results.get(arm.label)
        rows.append(
            {
                "pk": arm.pk,
                "label": arm.label,
                "content": arm.content,
                "exposures": arm.exposures,
                "successes": arm.successes,
                "rate": _pct(r.rate if r else None),
                "interval": f"{_pct(r.low)} – {_pct(r.high)}" if r and r.low is not None else "—",
                "lift": _pct(r.lift, 1) if r and r.lift is not None else "—",
                "p": f"{r.p_value:.4f}" if r and r.p_value is not None else "—",
                "enough": bool(r and r.enough),
                "rate_value": round(r.rate * 100, 3) if r and r.rate is not None else None,
                "low": round(r.low * 100, 3) if r and r.low is not None else None,
                "high": round(r.high * 100, 3) if r and r.high is not None else None,
            }
        )
    return rows


@login_required
@require_POST
def abtest_arm(request: HttpRequest, pk: int) -> HttpResponse:
    """Update one arm's exposures and successes."""
    queries.require_view(request.user)
    arm = scopes.get_or_404(
        ABVariant.objects.filter(
            scopes.scope_q(request.user, Perm.ANALYTICS_VIEW, prefix="test__", shared=True)
        ).select_related("test"),
        pk,
    )
    try:
        services_dash.update_arm(
            arm,
            by=request.user,
            exposures=int(request.POST["exposures"]),
            successes=int(request.POST["successes"]),
        )
        messages.success(request, gettext("%(arm)s 组数据已更新") % {"arm": arm.label})
    except (KeyError, ValueError):
        messages.error(request, gettext("曝光数和成功数应为非负整数"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("analytics:abtest", pk=arm.test_id)


# ------------------------------------------------------------------ competitors


class BenchmarkForm(StyledForm):
    platform = forms.ModelChoiceField(Platform.objects.filter(is_active=True), label=_("平台"))
    name = forms.CharField(label=_("竞品账号"), max_length=60)
    owner_name = forms.CharField(label=_("所属企业/楼盘"), max_length=60, required=False)


class FigureForm(StyledForm):
    benchmark = forms.ModelChoiceField(BenchmarkAccount.objects.none(), label=_("竞品账号"))
    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    followers = forms.IntegerField(label=_("粉丝数"), min_value=0, required=False)
    posts = forms.IntegerField(label=_("当日发布数"), min_value=0, required=False)
    interactions = forms.IntegerField(label=_("当日互动量"), min_value=0, required=False)


@login_required
def benchmarks(request: HttpRequest) -> HttpResponse:
    """竞品对标: competitors' public figures against own accounts of the same platform."""
    form_, f = _filters(request)
    scoped = queries.visible_benchmarks(request.user)
    add, figure = BenchmarkForm(prefix="b"), FigureForm(prefix="f")
    if request.method == "POST":
        scopes.require(
            scopes.has_perm(request.user, Perm.ANALYTICS_EDIT), gettext("没有竞品维护权限")
        )
        done = _benchmark_post(request, scoped)
        if done:
            return redirect(request.get_full_path())
        add = BenchmarkForm(request.POST if "b-name" in request.POST else None, prefix="b")
        figure = FigureForm(request.POST if "f-date" in request.POST else None, prefix="f")
    figure.fields["benchmark"].queryset = scoped  # type: ignore[attr-defined]
    add.style()
    figure.style()
    comparison = dashboards.benchmark_comparison(request.user, f, scoped)
    return render(
        request,
        "analytics/benchmarks.html",
        {
            "nav_active": "analytics",
            "form": form_,
            "add": add,
            "figure": figure,
            "comparison": comparison,
            "chart": {"rows": comparison},
            "can_edit": scopes.has_perm(request.user, Perm.ANALYTICS_EDIT),
            "params": _params(request),
        },
    )


def _benchmark_post(request: HttpRequest, scoped: Any) -> bool:
    if "b-name" in request.POST:
        form = BenchmarkForm(request.POST, prefix="b")
        if form.is_valid():
            try:
                services_dash.add_benchmark(by=request.user, values=form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
                return False
            messages.success(request, gettext("竞品账号已添加"))
            return True
        return False
    form2 = FigureForm(request.POST, prefix="f")
    form2.fields["benchmark"].queryset = scoped  # type: ignore[attr-defined]
    if form2.is_valid():
        d = dict(form2.cleaned_data)
        services_dash.record_benchmark_figure(
            d.pop("benchmark"), by=request.user, date=d.pop("date"), values=d
        )
        messages.success(request, gettext("竞品数据已保存"))
        return True
    return False
