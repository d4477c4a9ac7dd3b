"""私域 pages: members (list, export, member page), segments, lifecycle board, wake-up plans,
群发, merges and import. Checks go through `access`-style helpers shared with the API."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content.models import ContentItem
from mediadesk.core import audit, excel
from mediadesk.core.errors import Conflict
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.core.phone import mask
from mediadesk.core.scopes import get_or_404, has_perm, organisation_ids
from mediadesk.engagement.models import StandardReply
from mediadesk.live.models import Session
from mediadesk.orgs.models import Organisation, Project
from mediadesk.private import activities as activity_services
from mediadesk.private import imports, layers, mass, perms, queries, services, sync, timeline, wecom
from mediadesk.private.models import (
    STAGE_ORDER,
    Activity,
    BenefitGrant,
    BenefitTier,
    Group,
    MassSend,
    Member,
    MergeProposal,
    Segment,
    Stage,
    StageChange,
    WakeUpPlan,
    WeComSettings,
    WelcomeMessage,
)

FILTERS = ("stage", "tag", "source", "project", "segment", "silent_days", "q")
IMPORT_KEY = "private_import"


def _org(request: HttpRequest, perm: str = perms.VIEW) -> Organisation:
    if not has_perm(request.user, perm):
        raise PermissionDenied
    return Organisation.objects.get(pk=min(organisation_ids(request.user)))


def _user(request: HttpRequest) -> Any:
    return request.user


def filtered(request: HttpRequest) -> tuple[Any, dict[str, str]]:
    """The members of the list page / export for the query string."""
    org = _org(request)
    rules = {k: request.GET.get(k, "") for k in FILTERS}
    qs = queries.members_for(request.user)
    if rules["segment"].isdigit():
        seg = Segment.objects.filter(organisation=org, pk=rules["segment"]).first()
        qs = queries.apply_rules(qs, seg.rules) if seg else qs.none()
    if rules["silent_days"] and not rules["silent_days"].isdigit():
        rules["silent_days"] = ""
    rules_no_seg = {k: v for k, v in rules.items() if k != "segment"}
    try:
        return queries.apply_rules(qs, rules_no_seg), rules
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return qs.none(), rules


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """Members by filters (paginated), with the stage funnel."""
    org = _org(request)
    qs, rules = filtered(request)
    figs = queries.figures(org, timezone.localdate())
    funnel = [{"name": str(s.label), "value": figs["by_stage"][s.value]} for s in STAGE_ORDER]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "private/members.html",
        {
            "page": Paginator(qs.select_related("owner").order_by("-id"), 50).get_page(
                request.GET.get("page")
            ),
            "funnel": funnel,
            "figs": figs,
            "stages": STAGE_ORDER,
            "rules": rules,
            "segments": Segment.objects.filter(organisation=org).order_by("name"),
            "query": query.urlencode(),
            "full": has_perm(request.user, perms.PHONE),
            "tab": "members",
        },
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered members as Excel (phones masked unless entitled); the export is audited."""
    org = _org(request)
    qs, rules = filtered(request)
    full = has_perm(request.user, perms.PHONE)
    rows = [
        [m.pk, str(m), m.phone if full else mask(m.phone), m.get_stage_display(),
         "、".join(m.sources), "、".join(m.tags), m.purchases, m.last_active_at]
        for m in qs.order_by("-id")[:50_000]
    ]  # fmt: skip
    audit.record(
        actor=request.user,
        action="private.export",
        target=org,
        changes={"rows": [None, len(rows)], "full_phone": [None, full], "filters": [None, rules]},
    )
    headers = [_("编号"), _("姓名"), _("手机号"), _("阶段"), _("来源"), _("标签"), _("购买次数"),
               _("最近活跃")]  # fmt: skip
    return excel.xlsx_response(f"private-members-{timezone.localdate()}.xlsx", headers, rows)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (small controls that fit a phone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )


class TagsForm(StyledForm):
    tags = forms.CharField(label=gettext_lazy("标签（用顿号或逗号分隔）"), required=False)


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    """One member: identities, WeCom follow users, groups, timeline, stage history."""
    _org(request)
    m = get_or_404(queries.members_for(request.user), pk)
    can_manage = has_perm(request.user, perms.MANAGE)
    form = TagsForm(initial={"tags": "、".join(m.tags)})
    if request.method == "POST" and can_manage:
        return _member_post(request, m)
    return render(
        request,
        "private/member.html",
        {
            "m": m,
            "form": form,
            "can_manage": can_manage,
            "full": has_perm(request.user, perms.PHONE),
            "timeline": timeline.timeline(m)[:200],
            "history": [
                (c, Stage(c.from_stage).label if c.from_stage else "", Stage(c.to_stage).label)
                for c in m.stage_history.all()
            ],
            "follows": m.follows.all(),
            "groups": m.groups.select_related("group"),
            "consents": m.consents.all(),
            "tab": "members",
        },
    )


def _member_post(request: HttpRequest, m: Member) -> HttpResponse:
    action = request.POST.get("action")
    if action == "erase":
        services.erase(m, by=request.user)
        messages.success(request, _("已删除该用户的个人信息（匿名计数保留）"))
    elif action == "tags":
        form = TagsForm(request.POST)
        form.is_valid()
        raw = form.cleaned_data.get("tags", "")
        try:
            local = sync.set_tags(m, imports.TAG_SPLIT.split(raw), by=request.user)
        except wecom.WeComError as exc:
            messages.error(request, _("企业微信返回错误：%(e)s") % {"e": exc})
        else:
            messages.success(request, _("标签已保存"))
            if local:
                messages.info(request, _("仅在本系统的标签：%(t)s") % {"t": "、".join(local)})
    return redirect("private:member", pk=m.pk)


@login_required
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full phone number for entitled users (POST, audited)."""
    _org(request, perms.PHONE)
    if request.method != "POST":
        raise PermissionDenied
    m = get_or_404(queries.members_for(request.user), pk)
    audit.record(actor=request.user, action="private.reveal", target=m, changes={})
    return HttpResponse(m.phone)


class SegmentForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    stage = forms.ChoiceField(
        label=gettext_lazy("阶段"),
        required=False,
        choices=[("", gettext_lazy("不限"))] + [(s.value, s.label) for s in STAGE_ORDER],
    )
    tag = forms.CharField(label=gettext_lazy("标签"), required=False, max_length=40)
    source = forms.CharField(label=gettext_lazy("来源"), required=False, max_length=20)
    silent_days = forms.IntegerField(
        label=gettext_lazy("沉默天数 ≥"), required=False, min_value=1, max_value=3650
    )
    active_within = forms.IntegerField(
        label=gettext_lazy("最近 N 天内活跃"), required=False, min_value=1, max_value=3650
    )
    min_purchases = forms.IntegerField(
        label=gettext_lazy("购买次数 ≥"), required=False, min_value=1, max_value=1000
    )
    min_amount = forms.IntegerField(
        label=gettext_lazy("购买金额（元）≥"), required=False, min_value=1
    )
    project = forms.ModelChoiceField(
        label=gettext_lazy("意向项目"), queryset=Project.objects.none(), required=False
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("客户群"), queryset=Group.objects.none(), required=False
    )

    def __init__(self, *args: Any, org: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(organisation=org)  # type: ignore[attr-defined]
        self.fields["group"].queryset = Group.objects.filter(organisation=org)  # type: ignore[attr-defined]


class StageContentForm(StyledForm):
    stage = forms.ChoiceField(
        label=gettext_lazy("阶段"), choices=[(s.value, s.label) for s in STAGE_ORDER]
    )
    item = forms.ModelChoiceField(
        label=gettext_lazy("内容"), queryset=ContentItem.objects.none(), required=False
    )
    reply = forms.ModelChoiceField(
        label=gettext_lazy("标准话术"), queryset=StandardReply.objects.none(), required=False
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = cast(forms.ModelChoiceField, self.fields["item"])
        item_field.queryset = ContentItem.objects.filter(organisation=org).order_by("-id")
        reply_field = cast(forms.ModelChoiceField, self.fields["reply"])
        reply_field.queryset = StandardReply.objects.filter(organisation=org).order_by("title")


def _tag_post(request: HttpRequest, org: Organisation) -> HttpResponse:
    form = StageContentForm(request.POST, org=org)
    if form.is_valid():
        d = form.cleaned_data
        try:
            layers.tag_content(org, d["stage"], item=d["item"], reply=d["reply"], by=request.user)
            messages.success(request, _("已标记阶段内容"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("private:segments")


@login_required
def segments(request: HttpRequest) -> HttpResponse:
    """Segments with live counts and stage content suggestions; managers add new ones."""
    org = _org(request)
    form = SegmentForm(request.POST or None, org=org)
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if request.POST.get("action") == "tag":
            return _tag_post(request, org)
        if form.is_valid():
            data = form.cleaned_data
            rules = {
                k: (v.pk if hasattr(v, "pk") else v)
                for k, v in data.items()
                if k != "name" and v not in (None, "")
            }
            seg = Segment.objects.create(
                organisation=org, name=data["name"], rules=rules, created_by=_user(request)
            )
            audit.record(
                actor=request.user,
                action="private.segment_create",
                target=seg,
                changes={"rules": [None, rules]},
            )
            messages.success(request, _("分组已创建"))
            return redirect("private:segments")
    base = queries.members_for(request.user)
    rows = [
        (s, queries.apply_rules(base, s.rules).count(), layers.suggestions(s))
        for s in Segment.objects.filter(organisation=org).order_by("name")
    ]
    return render(
        request,
        "private/segments.html",
        {
            "rows": rows,
            "form": form,
            "tag_form": StageContentForm(org=org),
            "can_manage": has_perm(request.user, perms.MANAGE),
            "tab": "segments",
        },
    )


SIGNAL_LABELS = {
    "message": gettext_lazy("消息"),
    "live_attend": gettext_lazy("观看直播"),
    "course_view": gettext_lazy("课程观看"),
    "page_view": gettext_lazy("浏览"),
    "visit": gettext_lazy("到访"),
    "follow_up_intent": gettext_lazy("跟进有意向"),
}


class RulesForm(StyledForm):
    loyal_purchases = forms.IntegerField(
        label=gettext_lazy("忠诚所需购买次数"), min_value=2, max_value=20
    )
    referral_is_loyal = forms.BooleanField(label=gettext_lazy("老带新即为忠诚"), required=False)
    loyal_active_weeks = forms.IntegerField(
        label=gettext_lazy("连续社群活跃周数即为忠诚（0 为不启用）"), min_value=0, max_value=52
    )
    interest_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("计为兴趣的互动"),
        choices=list(SIGNAL_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("referral_is_loyal", "interest_kinds"):
            self.fields[name].widget.attrs.pop("class", None)


@login_required
def lifecycle(request: HttpRequest) -> HttpResponse:
    """Funnel board: members per stage, moves per month into each stage; the rules (editable)."""
    org = _org(request)
    can_manage = has_perm(request.user, perms.MANAGE)
    form = RulesForm(request.POST or None, initial=services.rules_for(org.pk))
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if form.is_valid():
            services.save_rules(org, form.cleaned_data, by=request.user)
            messages.success(request, _("规则已保存：今晚重新计算所有用户的阶段"))
            return redirect("private:lifecycle")
    figs = queries.figures(org, timezone.localdate())
    moves = (
        StageChange.objects.filter(member__organisation=org)
        .exclude(from_stage="")
        .annotate(month=TruncMonth("at"))
        .values("month", "to_stage")
        .annotate(n=Count("id"))
        .order_by("-month")
    )
    months: dict[Any, dict[str, int]] = {}
    for row in moves:
        months.setdefault(row["month"], {})[row["to_stage"]] = row["n"]
    return render(
        request,
        "private/lifecycle.html",
        {
            "figs": figs,
            "stages": STAGE_ORDER,
            "stage_rows": [(s, figs["by_stage"][s.value]) for s in STAGE_ORDER],
            "months": [
                (m, [cells.get(s.value, 0) for s in STAGE_ORDER[1:]])
                for m, cells in list(months.items())[:12]
            ],
            "tab": "lifecycle",
            "breakdown": queries.by_source_and_project(org),
            "days": [(s, queries.days_in_stage(org).get(s.value)) for s in STAGE_ORDER[:3]],
            "form": form,
            "can_manage": can_manage,
        },
    )


class PlanForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    silent_days = forms.IntegerField(
        label=gettext_lazy("沉默天数"), min_value=1, max_value=365, initial=30
    )
    content = forms.CharField(label=gettext_lazy("内容/权益"), max_length=500, required=False)
    channel = forms.ChoiceField(label=gettext_lazy("渠道"), choices=WakeUpPlan.Channel.choices)
    window_days = forms.IntegerField(
        label=gettext_lazy("响应窗口(天)"), min_value=1, max_value=90, initial=14
    )


@login_required
def wakeup(request: HttpRequest) -> HttpResponse:
    """Wake-up plans with reached / responded / woken and the rate; managers add plans."""
    org = _org(request)
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if form.is_valid() and _saved(form, services.create_wakeup_plan, org, by=request.user):
            messages.success(request, _("唤醒计划已创建：今晚起把沉默用户放入计划"))
            return redirect("private:wakeup")
    plans = WakeUpPlan.objects.filter(organisation=org).annotate(
        reached=Count("targets", filter=Q(targets__reached_at__isnull=False)),
    )
    rows = []
    for p in plans:
        responded = p.targets.exclude(responded_at=None).count()
        woken = p.targets.filter(woken=True).count()
        rows.append((p, p.reached, responded, woken, (woken / p.reached) if p.reached else None))
    return render(
        request,
        "private/wakeup.html",
        {
            "rows": rows,
            "form": form,
            "can_manage": has_perm(request.user, perms.MANAGE),
            "tab": "wakeup",
        },
    )


def _saved(form: forms.Form, service: Any, *args: Any, **kwargs: Any) -> bool:
    """Call `service(*args, form.cleaned_data, **kwargs)`; its ValidationError lands on the form."""
    try:
        service(*args, form.cleaned_data, **kwargs)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


class MassForm(StyledForm):
    segment = forms.ModelChoiceField(label=gettext_lazy("分组"), queryset=Segment.objects.none())
    sender = forms.CharField(label=gettext_lazy("发送员工（企业微信账号）"), max_length=64)
    text = forms.CharField(label=gettext_lazy("内容"), max_length=4000, widget=forms.Textarea)


@login_required
def mass_sends(request: HttpRequest) -> HttpResponse:
    """群发 list with results; managers create, pull results and remind."""
    org = _org(request)
    form = MassForm(request.POST or None)
    form.fields["segment"].queryset = Segment.objects.filter(organisation=org)  # type: ignore[attr-defined]
    if request.method == "POST":
        _org(request, perms.MANAGE)
        done = _mass_post(request, org, form)
        if done:
            return redirect("private:mass")
    sends = MassSend.objects.filter(organisation=org).select_related("segment").order_by("-id")
    page = Paginator(sends, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "private/mass.html",
        {
            "page": page,
            "rows": [(s, mass.counts(s)) for s in page],
            "form": form,
            "can_manage": has_perm(request.user, perms.MANAGE),
            "tab": "mass",
        },
    )


def _mass_post(request: HttpRequest, org: Organisation, form: MassForm) -> bool:
    action = request.POST.get("action", "create")
    try:
        if action == "create":
            if not form.is_valid():
                return False
            d = form.cleaned_data
            mass.create(d["segment"], text=d["text"], sender=d["sender"], by=request.user)
            messages.success(request, _("群发任务已创建，等待员工在企业微信中确认发送"))
        else:
            send = get_or_404(MassSend.objects.filter(organisation=org), request.POST.get("send"))
            if action == "pull":
                mass.pull(send)
                messages.success(request, _("已拉取发送结果"))
            else:
                mass.remind(send, by=request.user)
                messages.success(request, _("已提醒员工发送"))
    except ValidationError as exc:
        for msg in exc.messages:
            form.add_error(None, msg)
        return False
    except (Conflict, wecom.WeComError) as exc:
        messages.error(request, str(exc))
    return True


@login_required
def merges(request: HttpRequest) -> HttpResponse:
    """Merge proposals (uncertain matches): merge, refuse, undo — each audited."""
    org = _org(request, perms.MANAGE)
    if request.method == "POST":
        p = get_or_404(MergeProposal.objects.filter(organisation=org), request.POST.get("proposal"))
        try:
            if request.POST.get("action") == "undo":
                services.undo_merge(p, by=request.user)
            elif request.POST.get("action") == "refuse":
                services.refuse_merge(p, by=request.user)
            else:
                services.merge(p, by=request.user)
            messages.success(request, _("已处理"))
        except Conflict as exc:
            messages.error(request, str(exc))
        return redirect("private:merges")
    if request.GET.get("scan"):
        n = services.propose_matches(org)
        messages.info(request, _("发现 %(n)s 组可能重复的用户") % {"n": n})
    qs = MergeProposal.objects.filter(organisation=org).select_related("keep", "other")
    page = Paginator(qs.order_by("status", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "private/merges.html",
        {"page": page, "full": has_perm(request.user, perms.PHONE), "tab": "merges"},
    )


class ActivityForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Activity.Kind.choices)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=80)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    live_session = forms.ModelChoiceField(
        label=gettext_lazy("关联直播场次"), queryset=Session.objects.none(), required=False
    )
    place = forms.CharField(label=gettext_lazy("地点"), max_length=80, required=False)


@login_required
def activities(request: HttpRequest) -> HttpResponse:
    """社群活动 with sign-ups, attendance and stage movement; managers add activities."""
    org = _org(request)
    form = ActivityForm(request.POST or None)
    form.fields["live_session"].queryset = Session.objects.filter(organisation=org)  # type: ignore[attr-defined]
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if form.is_valid():
            act = Activity.objects.create(organisation=org, **form.cleaned_data)
            audit.record(actor=request.user, action="private.activity_create", target=act,
                         changes={"title": [None, act.title]})  # fmt: skip
            return redirect("private:activity", pk=act.pk)
    rows = [(a, activity_services.outcome(a)) for a in
            Activity.objects.filter(organisation=org).order_by("-starts_at")[:100]]  # fmt: skip
    return render(request, "private/activities.html", {
        "rows": rows, "form": form, "can_manage": has_perm(request.user, perms.MANAGE),
        "tab": "activities"})  # fmt: skip


@login_required
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity: sign a segment up, mark attendance."""
    org = _org(request)
    act = get_or_404(Activity.objects.filter(organisation=org), pk)
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if request.POST.get("segment"):
            seg = get_or_404(Segment.objects.filter(organisation=org), request.POST["segment"])
            members = list(queries.apply_rules(queries.members_for(request.user), seg.rules)[:2000])
            n = activity_services.sign_up(act, members, by=request.user)
            messages.success(request, _("已报名 %(n)s 人") % {"n": n})
        elif request.POST.get("member"):
            m = get_or_404(queries.members_for(request.user), request.POST["member"])
            activity_services.attend(act, m, by=request.user)
            messages.success(request, _("已签到"))
        return redirect("private:activity", pk=act.pk)
    signups = act.signups.select_related("member").order_by("attended_at", "-signed_at")
    return render(request, "private/activity.html", {
        "act": act, "outcome": activity_services.outcome(act),
        "page": Paginator(signups, 50).get_page(request.GET.get("page")),
        "segments": Segment.objects.filter(organisation=org),
        "can_manage": has_perm(request.user, perms.MANAGE),
        "full": has_perm(request.user, perms.PHONE), "tab": "activities"})  # fmt: skip


class WeComForm(StyledForm):
    corp_id = forms.CharField(label=gettext_lazy("企业ID (corp id)"), max_length=40)
    secret = forms.CharField(
        label=gettext_lazy("客户联系 Secret"), required=False, widget=forms.PasswordInput
    )
    token = forms.CharField(
        label=gettext_lazy("回调 Token"), required=False, widget=forms.PasswordInput
    )
    aes_key = forms.CharField(
        label=gettext_lazy("回调 EncodingAESKey"), required=False, widget=forms.PasswordInput,
        min_length=43, max_length=43,
    )  # fmt: skip
    monthly_limit = forms.IntegerField(
        label=gettext_lazy("每客户每月群发上限"), min_value=1, max_value=31, initial=4
    )
    daily_limit = forms.IntegerField(
        label=gettext_lazy("每客户每日群发上限（0 为不限）"), min_value=0, max_value=10, initial=1
    )


class WelcomeForm(StyledForm):
    state = forms.CharField(
        label=gettext_lazy("渠道活码（留空为默认）"), max_length=40, required=False
    )
    text = forms.CharField(
        label=gettext_lazy("欢迎语"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def wecom_settings(request: HttpRequest) -> HttpResponse:
    """The WeCom connection (secrets sealed, never shown again), 欢迎语 per 活码, sync now."""
    org = _org(request, perms.MANAGE)
    cfg = WeComSettings.objects.filter(organisation=org).first()
    form = WeComForm(
        request.POST if request.POST.get("action") == "save" else None,
        initial={"corp_id": cfg.corp_id if cfg else "", "monthly_limit": cfg.monthly_limit if cfg else 4,
                 "daily_limit": cfg.daily_limit if cfg else 1},
    )  # fmt: skip
    welcome = WelcomeForm(request.POST if request.POST.get("action") == "welcome" else None)
    if request.method == "POST":
        done = _wecom_post(request, org, cfg, form, welcome)
        if done:
            return redirect("private:wecom")
    return render(request, "private/wecom.html", {
        "form": form, "welcome": welcome, "cfg": cfg, "tab": "wecom",
        "welcomes": WelcomeMessage.objects.filter(organisation=org).order_by("state"),
        "callback": request.build_absolute_uri(f"/api/v1/private/wecom/callback?org={org.pk}")})  # fmt: skip


def _wecom_post(request: HttpRequest, org: Organisation, cfg: Any, form: Any, welcome: Any) -> bool:
    action = request.POST.get("action")
    if action == "save" and form.is_valid():
        try:
            services.save_wecom(org, form.cleaned_data, by=request.user)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
            return False
        messages.success(request, _("企业微信设置已保存（密钥已加密）"))
        return True
    if action == "welcome" and welcome.is_valid():
        WelcomeMessage.objects.update_or_create(
            organisation=org, state=welcome.cleaned_data["state"],
            defaults={"text": welcome.cleaned_data["text"], "active": True})  # fmt: skip
        messages.success(request, _("欢迎语已保存"))
        return True
    if action == "sync" and cfg is not None:
        try:
            counts = sync.sync_all(cfg)
        except wecom.WeComError as exc:
            messages.error(request, _("企业微信返回错误：%(e)s") % {"e": exc})
        else:
            messages.success(
                request, _("已同步：标签 %(tags)s，客户 %(contacts)s，客户群 %(groups)s") % counts
            )
        return True
    return False


class TierForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40)
    min_events = forms.IntegerField(
        label=gettext_lazy("30 天内互动次数 ≥"), min_value=1, max_value=1000
    )
    benefit = forms.CharField(label=gettext_lazy("福利"), max_length=120)


@login_required
def benefits(request: HttpRequest) -> HttpResponse:
    """活跃用户专属福利: tiers, eligible members, benefits given (recorded per member)."""
    org = _org(request)
    form = TierForm(request.POST if request.POST.get("action") == "tier" else None)
    if request.method == "POST":
        _org(request, perms.MANAGE)
        if request.POST.get("action") == "grant":
            tier = get_or_404(
                BenefitTier.objects.filter(organisation=org), request.POST.get("tier")
            )
            m = get_or_404(queries.members_for(request.user), request.POST.get("member"))
            try:
                layers.grant(tier, m, by=request.user)
                messages.success(request, _("已记录发放"))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("private:benefits")
        if form.is_valid():
            tier = BenefitTier.objects.create(organisation=org, **form.cleaned_data)
            audit.record(actor=request.user, action="private.benefit_tier", target=tier,
                         changes={"benefit": [None, tier.benefit]})  # fmt: skip
            return redirect("private:benefits")
    tiers = [
        (t, layers.active_members(t)[:20], t.grants.count())
        for t in BenefitTier.objects.filter(organisation=org).order_by("-min_events")
    ]
    given = set(
        BenefitGrant.objects.filter(tier__organisation=org).values_list("tier_id", "member_id")
    )
    return render(request, "private/benefits.html", {
        "tiers": tiers, "given": {f"{t}:{m}" for t, m in given}, "form": form,
        "can_manage": has_perm(request.user, perms.MANAGE), "tab": "benefits"})  # fmt: skip


class ImportForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("文件（Excel 或 CSV）"))


@login_required
def import_members(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every bad row named) → confirm (all or nothing)."""
    org = _org(request, perms.MANAGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _import_confirm(request, org)
    if request.method == "POST" and form.is_valid():
        stash_upload(request, form, session_key=IMPORT_KEY, read=imports.read_upload)
    if request.GET.get("template"):
        response = HttpResponse(imports.template_bytes(), content_type=excel.XLSX_TYPE)
        response["Content-Disposition"] = "attachment; filename=private-members-template.xlsx"
        return response
    pending = unstash(request.session.get(IMPORT_KEY), user=request.user)
    preview = imports.validate(pending[0]) if pending else None
    return render(
        request,
        "private/import.html",
        {"form": form, "preview": preview, "tab": "import"},
    )


def _import_confirm(request: HttpRequest, org: Organisation) -> HttpResponse:
    pending = unstash(request.session.get(IMPORT_KEY), user=request.user)
    if pending is None:
        messages.error(request, _("上传已失效，请重新上传"))
        return redirect("private:import")
    table, filename = pending
    try:
        n = imports.confirm(table, org=org, by=request.user, filename=filename)
    except imports.ImportRejected:
        messages.error(request, _("有错误行，未导入任何数据"))
        return redirect("private:import")
    discard(request.session.pop(IMPORT_KEY, None))
    messages.success(request, _("已导入 %(n)s 位用户") % {"n": n})
    return redirect("private:members")


def home_card(request: HttpRequest) -> dict[str, Any] | None:
    """工作台 card: members, silent 30 days, 30-day active rate, 复购率 this month."""
    user: Any = request.user
    if not has_perm(user, perms.VIEW):
        return None
    org = Organisation.objects.get(pk=min(organisation_ids(user)))
    figs = queries.figures(org, timezone.localdate())
    silent = queries.apply_rules(queries.members_for(user), {"silent_days": 30}).count()
    return {"figs": figs, "silent": silent}
