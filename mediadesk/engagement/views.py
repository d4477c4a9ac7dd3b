"""Inbox pages: list with filters/saved views/bulk actions, the message (reply, 转线索,
notes, tags, status, correction), paste box and import, the reply library, the lexicon and
the engagement dashboard. Thin: services and queries decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mediadesk.core import audit, excel, scopes
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.core.params import id_list, id_param
from mediadesk.engagement import imports, library, perms, queries, rules, sentiment, services
from mediadesk.engagement.models import (
    Kind,
    LexiconTerm,
    Message,
    Polarity,
    Reply,
    SavedView,
    StandardReply,
    Status,
)
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Perm


def _me(request: HttpRequest) -> Any:
    """The logged-in user (the middleware guarantees one on every engagement page)."""
    return request.user


def _org(request: HttpRequest) -> Any:
    return _me(request).organisation


def _org_id(request: HttpRequest) -> int:
    return int(_me(request).organisation_id)


def show(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render an engagement page with the 互动 menu entry highlighted."""
    return render(request, template, {"nav_active": "engagement", **context})


def _need(request: HttpRequest, perm: str) -> None:
    if not scopes.has_perm(_me(request), perm):
        raise PermissionDenied(_("没有权限访问该页面"))


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _handlers(user: Any) -> list[User]:
    return list(User.objects.filter(organisation_id=user.organisation_id, is_active=True).order_by("username"))  # fmt: skip


def inbox(request: HttpRequest) -> HttpResponse:
    """The 互动中心 list: filters, saved views, time left, bulk actions."""
    if not scopes.has_perm(_me(request), perms.VIEW):
        if scopes.has_perm(_me(request), perms.OPINION_VIEW):
            return redirect("engagement:incidents")
        raise PermissionDenied(_("没有权限访问该页面"))
    base = queries.visible_messages(_me(request))
    rows = queries.filtered(base, request.GET, user=_me(request)).select_related("platform", "account", "assignee")  # fmt: skip
    page = queries.CappedPaginator(rows, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    full = scopes.has_perm(_me(request), Perm.LEADS_PHONE)
    for m in page.object_list:
        m.left = queries.time_left(m, now)
        m.late = -m.left if m.left is not None and m.left < 0 else 0
        m.shown = m.text if full else rules.mask_phones(m.text)
    context = {
        "page": page,
        "params": _params(request),
        "f": request.GET,
        "statuses": Status.choices,
        "polarities": Polarity.choices,
        "platforms": Platform.objects.filter(is_active=True),
        "accounts": Account.objects.filter(organisation_id=_org_id(request)).order_by("name")[:200],
        "handlers": _handlers(_me(request)),
        "saved": SavedView.objects.filter(user=_me(request)),
        "open_count": queries.capped_count(base.filter(is_open=True)),
        "cap": queries.COUNT_CAP,
        "can_assign": scopes.has_perm(_me(request), perms.ASSIGN),
        "can_ingest": scopes.has_perm(_me(request), perms.INGEST),
        "bulk_actions": [
            ("assign", _("分配给")),
            ("in_progress", _("处理中")),
            ("close", _("关闭")),
            ("no_reply", _("无需回复")),
            ("spam", _("标为垃圾")),
            ("tag", _("加标签")),
        ],
    }
    return show(request, "engagement/inbox.html", context)


def _message(request: HttpRequest, pk: int) -> Message:
    return queries.access_message(_me(request), pk)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One message with its thread, suggestions, reply box, 转线索, notes and history."""
    m = _message(request, pk)
    full = scopes.has_perm(_me(request), Perm.LEADS_PHONE)
    thread = queries.visible_messages(_me(request)).filter(thread_key=m.thread_key).exclude(pk=m.pk).order_by("received_at")[:50] if m.thread_key else []  # fmt: skip
    values = services.reply_values(m)
    left = queries.time_left(m)
    suggestions = [(s, rules.render(s.text, values)[0]) for s in library.suggestions_for(m)]
    projects = Project.objects.filter(organisation_id=m.organisation_id).order_by("name")
    context = {
        "m": m,
        "shown": m.text if full else rules.mask_phones(m.text),
        "thread": thread,
        "left": left,
        "late": -left if left is not None and left < 0 else 0,
        "suggestions": suggestions,
        "replies": m.replies.select_related("by", "approved_by"),
        "notes": m.notes.select_related("author"),
        "history": audit.label_entries(audit.history(m)[:30]),
        "projects": projects,
        "default_project": m.project_id,
        "handlers": _handlers(_me(request)),
        "statuses": [(s, label) for s, label in Status.choices if s != Status.REPLIED],
        "polarities": Polarity.choices,
        "lead_labels": [rules.LEAD_LABELS[r] for r in m.lead_reasons],
        "phones": rules.phones_in(m.text),
        "can_approve": scopes.allows(_me(request), perms.APPROVE, m, shared=True),
        "sender": services.senders.sender_for(m) is not None,
        "reply_limit": rules.PLATFORM_REPLY_LIMITS.get(m.platform.code),
        "open_incidents": queries.visible_incidents(_me(request)).filter(state="open")[:20]
        if scopes.has_perm(_me(request), perms.OPINION_MANAGE)
        else [],
        "incidents": m.incidents.all(),
    }
    return show(request, "engagement/detail.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect("engagement:detail", pk=pk)


@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    m = _message(request, pk)
    reply_id = request.POST.get("reply_id") or ""
    try:
        row = services.reply(m, by=_me(request), text=request.POST.get("text", ""), standard_reply_id=int(reply_id) if reply_id.isdigit() else None)  # fmt: skip
    except services.Refused as exc:
        for f in exc.findings:
            if f["severity"] == "block":
                advice = _("建议：%(s)s") % {"s": f["suggestion"]} if f.get("suggestion") else ""
                messages.error(request, f"{f.get('message') or f['term']} {advice}".strip())
        messages.error(request, _("回复未发送：含违规用语"))
        return _back(pk)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(pk)
    note = {str(Reply.State.PENDING): _("回复已提交审批"), str(Reply.State.FAILED): _("平台发送失败：%(e)s") % {"e": row.error}}.get(row.state, _("已记录回复"))  # fmt: skip
    messages.success(request, note)
    return _back(pk)


@require_POST
def lead(request: HttpRequest, pk: int) -> HttpResponse:
    m = _message(request, pk)
    project = Project.objects.filter(pk=request.POST.get("project") or 0, organisation_id=m.organisation_id).first()  # fmt: skip
    if project is None:
        messages.error(request, _("请选择项目"))
        return _back(pk)
    try:
        touch = services.to_lead(m, project=project, by=_me(request), phone=request.POST.get("phone", "").strip())  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(pk)
    messages.success(request, _("已转为线索（客户 #%(c)s）") % {"c": touch.customer_id})
    return _back(pk)


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    m = _message(request, pk)
    raw = request.POST.get("user", "")
    to = _me(request) if raw == "me" else User.objects.filter(pk=raw or 0, organisation_id=m.organisation_id).first()  # fmt: skip
    try:
        services.assign(m, to=to, by=_me(request))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(pk)


@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    m = _message(request, pk)
    try:
        services.set_status(m, status=request.POST.get("status", ""), by=_me(request), reason=request.POST.get("reason", ""))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(pk)


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.add_note(_message(request, pk), text=request.POST.get("text", ""), by=_me(request))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(pk)


@require_POST
def tags(request: HttpRequest, pk: int) -> HttpResponse:
    raw = request.POST.get("tags", "").replace("，", ",")
    services.set_tags(_message(request, pk), tags=raw.split(","), by=_me(request))
    return _back(pk)


@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.correct(_message(request, pk), polarity=request.POST.get("polarity", ""), by=_me(request))  # fmt: skip
        messages.success(request, _("已校正情感"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(pk)


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    row = scopes.get_or_404(Reply.objects.filter(message__in=queries.visible_messages(_me(request))), pk)  # fmt: skip
    try:
        services.decide_reply(row, by=_me(request), approve=request.POST.get("approve") == "1", comment=request.POST.get("comment", ""))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(row.message_id)


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    ids = id_list(request.POST.getlist("ids"))
    rows = list(
        queries.visible_messages(_me(request)).filter(pk__in=ids).select_related("platform")
    )
    to = User.objects.filter(pk=id_param(request.POST.get("user")) or 0, organisation_id=_org_id(request)).first()  # fmt: skip
    try:
        n = services.bulk(rows, action=request.POST.get("action", ""), by=_me(request), to=to, tag=request.POST.get("tag", ""), reason=request.POST.get("reason", ""))  # fmt: skip
        messages.success(request, _("已处理 %(n)s 条") % {"n": n})
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(f"{redirect('engagement:inbox').url}?{request.POST.get('back', '')}")


@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    try:
        services.save_view(user=_me(request), name=request.POST.get("name", ""), query=request.POST.get("query", ""))  # fmt: skip
        messages.success(request, _("已保存视图"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(f"{redirect('engagement:inbox').url}?{request.POST.get('query', '')}")


# --- paste box and import ---------------------------------------------------------------------


class PasteForm(forms.Form):
    platform = forms.ModelChoiceField(Platform.objects.filter(is_active=True), label=gettext_lazy("平台"), to_field_name="code")  # fmt: skip
    kind = forms.ChoiceField(choices=Kind.choices, label=gettext_lazy("类型"))
    account = forms.ModelChoiceField(
        Account.objects.none(), label=gettext_lazy("账号"), required=False
    )
    post_url = forms.URLField(label=gettext_lazy("帖子链接"), required=False, max_length=500)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label=gettext_lazy("内容（每行一条）"), max_length=100_000)  # fmt: skip


def paste(request: HttpRequest) -> HttpResponse:
    """Paste comments copied from a platform page: one message per line."""
    _need(request, perms.INGEST)
    form = PasteForm(request.POST or None)
    accounts = Account.objects.filter(organisation_id=_org_id(request))
    form.fields["account"].queryset = accounts  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        now = timezone.now()
        lines = [line.strip() for line in d["text"].splitlines() if line.strip()]
        items = [
            services.Incoming(platform=d["platform"].code, kind=d["kind"], text=line, received_at=now,
                              external_id="paste:" + rules.dedup_key(d["post_url"], line)[:40],
                              account_id=d["account"].pk if d["account"] else None, post_url=d["post_url"] or "")
            for line in lines
        ]  # fmt: skip
        try:
            stored = services.ingest(_org(request), items, by=_me(request))
            new = sum(1 for _m, created in stored if created)
            messages.success(request, _("已导入 %(n)s 条，重复 %(d)s 条") % {"n": new, "d": len(stored) - new})  # fmt: skip
            return redirect("engagement:inbox")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    return show(request, "engagement/paste.html", {"form": form})


class UploadForm(forms.Form):
    preset = forms.ChoiceField(choices=[(k, v[0]) for k, v in imports.PRESETS.items()], label=gettext_lazy("导出格式"))  # fmt: skip
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"))


IMPORT_KEY = "engagement_import"


def import_messages(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every bad row named) → confirm (all or nothing)."""
    _need(request, perms.INGEST)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm_import(request)
    if request.method == "POST" and form.is_valid() and stash_upload(request, form, session_key=IMPORT_KEY, read=excel.read_table):  # fmt: skip
        request.session["engagement_preset"] = form.cleaned_data["preset"]
        return redirect("engagement:import")
    preview = None
    pending = unstash(request.session.get(IMPORT_KEY), user=_me(request))
    if request.method == "GET" and pending is not None:
        preview = imports.read_messages(pending[0], request.session.get("engagement_preset", "generic"))  # fmt: skip
    return show(request, "engagement/import.html", {"form": form, "preview": preview, "pending": pending})  # fmt: skip


def _confirm_import(request: HttpRequest) -> HttpResponse:
    pending = unstash(request.session.get(IMPORT_KEY), user=_me(request))
    if pending is None:
        messages.info(request, _("导入已失效，请重新上传文件"))
        return redirect("engagement:import")
    preview = imports.read_messages(pending[0], request.session.get("engagement_preset", "generic"))
    if not preview.ok:
        messages.error(request, _("文件有错误，未导入任何数据"))
        return redirect("engagement:import")
    try:
        stored = []
        for start in range(0, len(preview.items), services.MAX_BATCH):
            stored += services.ingest(_org(request), preview.items[start : start + services.MAX_BATCH], by=_me(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("engagement:import")
    discard(request.session.pop(IMPORT_KEY, None))
    new = sum(1 for _m, c in stored if c)
    messages.success(
        request, _("已导入 %(n)s 条，重复 %(d)s 条") % {"n": new, "d": len(stored) - new}
    )
    return redirect("engagement:inbox")


# --- the reply library ------------------------------------------------------------------------


def library_list(request: HttpRequest) -> HttpResponse:
    _need(request, perms.VIEW)
    rows = StandardReply.objects.filter(organisation_id=_org_id(request)).select_related("owner")  # fmt: skip
    if request.GET.get("category"):
        rows = rows.filter(category=request.GET["category"])
    if request.GET.get("q"):
        rows = rows.filter(text__icontains=request.GET["q"])
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return show(request, "engagement/library.html", {"page": page, "params": _params(request), "categories": library.CATEGORIES, "can_manage": scopes.has_perm(_me(request), perms.REPLIES)})  # fmt: skip


class ReplyForm(forms.Form):
    category = forms.CharField(label=gettext_lazy("分类"), max_length=20)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=60)
    text = forms.CharField(label=gettext_lazy("话术"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, help_text=gettext_lazy("可用变量：{项目名} {售楼处电话} {活动时间}"))  # fmt: skip
    keywords = forms.CharField(
        label=gettext_lazy("关键词（逗号分隔）"), max_length=200, required=False
    )
    platforms = forms.MultipleChoiceField(label=gettext_lazy("适用平台"), required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    compliance_note = forms.CharField(
        label=gettext_lazy("合规说明"), max_length=200, required=False
    )


def library_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _need(request, perms.REPLIES)
    row = scopes.get_or_404(StandardReply.objects.filter(organisation_id=_org_id(request)), pk) if pk else None  # fmt: skip
    initial = {k: getattr(row, k) for k in library.FIELDS} if row else {}
    form = ReplyForm(request.POST or None, initial=initial)
    form.fields["platforms"].choices = [  # type: ignore[attr-defined]
        (p.code, p.name) for p in Platform.objects.filter(is_active=True)
    ]
    if request.method == "POST" and form.is_valid():
        try:
            saved = library.save(_org(request), form.cleaned_data, by=_me(request), reply=row)  # fmt: skip
            if saved.state == StandardReply.State.BLOCKED:
                messages.warning(request, _("已保存，但合规检查未通过，话术不可用：%(w)s") % {"w": "、".join(f["term"] for f in saved.findings if f["severity"] == "block")})  # fmt: skip
            else:
                messages.success(request, _("已保存，合规检查通过，状态：可用"))
            return redirect("engagement:library")
        except ValidationError as exc:
            for key, errs in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errs)
    return show(request, "engagement/library_form.html", {"form": form, "row": row})


def library_export(request: HttpRequest) -> HttpResponse:
    _need(request, perms.VIEW)
    rows = StandardReply.objects.filter(organisation_id=_org_id(request))
    data = [[r.category, r.title, r.text, r.keywords, ",".join(r.platforms), r.compliance_note, r.get_state_display(), r.usage_count, r.last_used_at] for r in rows]  # fmt: skip
    return excel.xlsx_response("标准化话术库.xlsx", imports.LIBRARY_HEADERS, data)


LIBRARY_KEY = "engagement_library_import"


def library_import(request: HttpRequest) -> HttpResponse:
    _need(request, perms.REPLIES)
    form = UploadForm(request.POST or None, request.FILES or None)
    form.fields["preset"].required = False
    if request.method == "POST" and "confirm" in request.POST:
        pending = unstash(request.session.get(LIBRARY_KEY), user=_me(request))
        preview = imports.read_library(pending[0]) if pending else None
        if preview is None or not preview.ok:
            messages.error(request, _("文件有错误，未导入任何数据"))
            return redirect("engagement:library_import")
        try:
            n = library.import_rows(_org(request), preview.items, by=_me(request))
        except ValidationError as exc:
            messages.error(request, _("未导入任何数据：%(e)s") % {"e": _errors(exc)})
            return redirect("engagement:library_import")
        discard(request.session.pop(LIBRARY_KEY, None))
        messages.success(request, _("已导入 %(n)s 条话术") % {"n": n})
        return redirect("engagement:library")
    if request.method == "POST" and form.is_valid() and stash_upload(request, form, session_key=LIBRARY_KEY, read=excel.read_table):  # fmt: skip
        return redirect("engagement:library_import")
    pending = unstash(request.session.get(LIBRARY_KEY), user=_me(request))
    preview = imports.read_library(pending[0]) if pending and request.method == "GET" else None
    return show(request, "engagement/library_import.html", {"form": form, "preview": preview})


# --- lexicon and dashboard ----------------------------------------------------------------------


def lexicon(request: HttpRequest) -> HttpResponse:
    """The domain lexicon (shipped words + the organisation's), corrections agreement."""
    _need(request, perms.VIEW)
    org = _org(request)
    if request.method == "POST":
        try:
            services.save_term(org, word=request.POST.get("word", ""), weight=float(request.POST.get("weight") or 0), category=request.POST.get("category", ""), by=_me(request), active=request.POST.get("active", "1") == "1")  # fmt: skip
            messages.success(request, _("已保存"))
        except (ValueError, ValidationError) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else _("权重应为数字"))  # fmt: skip
        return redirect("engagement:lexicon")
    own = LexiconTerm.objects.filter(organisation=org)
    shipped = sorted(sentiment.DOMAIN_DEFAULTS.items(), key=lambda kv: kv[1][0])
    context = {"own": own, "shipped": shipped, "agreement": queries.correction_agreement(org.pk), "can_manage": scopes.has_perm(_me(request), perms.LEXICON)}  # fmt: skip
    return show(request, "engagement/lexicon.html", context)


def dashboard(request: HttpRequest) -> HttpResponse:
    _need(request, perms.VIEW)
    data = queries.dashboard(_me(request), days=int(request.GET.get("days") or 14) if (request.GET.get("days") or "14").isdigit() else 14)  # fmt: skip
    return show(request, "engagement/dashboard.html", {"d": data, "chart": {k: data[k] for k in ("days", "platforms", "words")}})  # fmt: skip
