"""Opinion pages: incidents (playbook steps, statement, close + 复盘 report in Excel and
print), mentions with the vendor-export import and its mapping screen, watch terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import excel, scopes
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.engagement import imports, opinion, perms, queries
from mediadesk.engagement.models import Action, Incident, Polarity, Step, TermCount, WatchTerm
from mediadesk.engagement.views import UploadForm, _me, _org, show


def _need(request: HttpRequest, perm: str) -> None:
    if not scopes.has_perm(_me(request), perm):
        raise PermissionDenied(_("没有权限访问该页面"))


def _incident(request: HttpRequest, pk: int) -> Incident:
    return scopes.get_or_404(queries.visible_incidents(_me(request)).select_related("grade", "owner", "term"), pk)  # fmt: skip


def incidents(request: HttpRequest) -> HttpResponse:
    _need(request, perms.OPINION_VIEW)
    rows = queries.visible_incidents(_me(request)).select_related("grade", "owner")
    if request.GET.get("state"):
        rows = rows.filter(state=request.GET["state"])
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return show(request, "engagement/incidents.html", {"page": page, "params": "", "now": timezone.now()})  # fmt: skip


def _timeline(i: Incident) -> list[tuple[str, dt.datetime | None]]:
    return [
        (_("首条信息"), i.first_mention_at), (_("发现"), i.detected_at), (_("首次响应"), i.first_response_at),
        (_("发布声明"), i.statement_at), (_("峰值"), i.peak_at), (_("关闭"), i.closed_at),
    ]  # fmt: skip


def _minutes(a: dt.datetime | None, b: dt.datetime | None) -> int | None:
    return int((b - a).total_seconds() // 60) if a and b else None


def _curve(i: Incident) -> list[dict[str, Any]]:
    if not i.term_id:
        return []
    since = (i.first_mention_at or i.detected_at) - dt.timedelta(hours=6)
    rows = TermCount.objects.filter(term_id=i.term_id, hour__gte=since).order_by("hour")
    return [{"hour": timezone.localtime(r.hour).strftime("%m-%d %H:00"), "total": r.total, "negative": r.negative} for r in rows[:200]]  # fmt: skip


def _context(request: HttpRequest, i: Incident) -> dict[str, Any]:
    from mediadesk.content.models import ContentItem

    response = _minutes(i.detected_at, i.first_response_at)
    return {
        "i": i,
        "events": i.events.select_related("by"),
        "timeline": _timeline(i),
        "response_minutes": response,
        "target_minutes": int(i.grade.response_hours * 60),
        "met": response is not None and response <= i.grade.response_hours * 60,
        "mentions": i.mentions.order_by("-published_at")[:50],
        "linked": i.messages.select_related("platform")[:50],
        "sentiment": dict(
            i.mentions.values_list("polarity").annotate(n=Count("id")).values_list("polarity", "n")
        ),
        "curve": (curve := _curve(i)),
        "chart": {"curve": curve},
        "steps": Step.choices,
        "actions": Action.choices,
        "reserves": ContentItem.objects.filter(organisation_id=i.organisation_id, is_reserve=True)[
            :50
        ],
        "can_manage": scopes.has_perm(_me(request), perms.OPINION_MANAGE),
    }


def incident(request: HttpRequest, pk: int) -> HttpResponse:
    i = _incident(request, pk)
    return show(request, "engagement/incident.html", _context(request, i))


@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    i = _incident(request, pk)
    try:
        opinion.advance(i, step=request.POST.get("step", ""), note=request.POST.get("note", "")[:300], by=_me(request), action=request.POST.get("action", ""))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("engagement:incident", pk=pk)


@require_POST
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    from mediadesk.content.models import ContentItem

    i = _incident(request, pk)
    item = ContentItem.objects.filter(pk=request.POST.get("item") or 0, organisation_id=i.organisation_id).first()  # fmt: skip
    try:
        if item is None:
            raise ValidationError(_("请选择备选方案"))
        draft = opinion.draft_statement(i, reserve_item=item, by=_me(request))
        messages.success(request, _("声明已起草并加急送审：%(t)s") % {"t": draft.title})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        )
    return redirect("engagement:incident", pk=pk)


@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link an inbox message to the incident (from the message page)."""
    from mediadesk.engagement.queries import access_message

    i = _incident(request, pk)
    message = access_message(_me(request), request.POST.get("message") or 0)
    opinion.link_message(i, message, by=_me(request))
    messages.success(request, _("已关联到舆情事件：%(t)s") % {"t": i.title})
    return redirect("engagement:detail", pk=message.pk)


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    i = _incident(request, pk)
    try:
        opinion.close(i, lessons=request.POST.get("lessons", ""), follow_ups=request.POST.get("follow_ups", ""), by=_me(request))  # fmt: skip
        messages.success(request, _("事件已关闭，复盘已生成"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("engagement:incident", pk=pk)


def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The 复盘 report, laid out for printing (browser → PDF)."""
    i = _incident(request, pk)
    return show(request, "engagement/incident_report.html", _context(request, i))


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    i = _incident(request, pk)
    c = _context(request, i)
    rows: list[list[Any]] = [[_("事件"), i.title], [_("级别"), i.grade.name], [_("处置方式"), i.get_action_display()]]  # fmt: skip
    rows += [[label, _fmt(at)] for label, at in c["timeline"]]
    rows += [[_("首次响应用时(分钟)"), c["response_minutes"]], [_("预案时限(分钟)"), c["target_minutes"]], [_("是否达标"), _("是") if c["met"] else _("否")]]  # fmt: skip
    rows += [[_("正面/中性/负面"), " / ".join(str(c["sentiment"].get(p, 0)) for p in Polarity.values)]]  # fmt: skip
    rows += [[_("经验教训"), i.lessons], [_("改进措施"), i.follow_ups], [], [_("时间"), _("环节"), _("说明"), _("处理人")]]  # fmt: skip
    rows += [[_fmt(e.at), e.get_step_display(), e.note, str(e.by or "")] for e in c["events"]]
    rows += [[], [_("时段"), _("声量"), _("负面")]] + [[p["hour"], p["total"], p["negative"]] for p in c["curve"]]  # fmt: skip
    return excel.xlsx_response(f"舆情复盘-{i.pk}.xlsx", [_("项目"), _("内容"), "", ""], rows)


def mentions(request: HttpRequest) -> HttpResponse:
    _need(request, perms.OPINION_VIEW)
    rows = queries.visible_mentions(_me(request))
    if request.GET.get("polarity"):
        rows = rows.filter(polarity=request.GET["polarity"])
    if request.GET.get("q"):
        rows = rows.filter(text__icontains=request.GET["q"])
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return show(request, "engagement/mentions.html", {"page": page, "params": "", "polarities": Polarity.choices})  # fmt: skip


MENTION_KEY = "engagement_mentions_import"


def import_mentions(request: HttpRequest) -> HttpResponse:
    """Upload a vendor export → map its columns → preview → confirm (all or nothing)."""
    _need(request, perms.OPINION_MANAGE)
    form = UploadForm(request.POST or None, request.FILES or None)
    form.fields["preset"].required = False
    pending = unstash(request.session.get(MENTION_KEY), user=_me(request))
    if request.method == "POST" and "file" in request.FILES:
        if form.is_valid() and stash_upload(request, form, session_key=MENTION_KEY, read=excel.read_table):  # fmt: skip
            return redirect("engagement:mentions_import")
        return show(request, "engagement/mentions_import.html", {"form": form})
    if pending is None:
        return show(request, "engagement/mentions_import.html", {"form": form})
    table = pending[0]
    mapping = {f: request.POST.get(f"map_{f}", "") for f in imports.MENTION_FIELDS} if request.method == "POST" else imports.guess_mapping(table.headers)  # fmt: skip
    preview = imports.read_mentions(table, mapping)
    if request.method == "POST" and "confirm" in request.POST and preview.ok:
        try:
            stored = []
            for start in range(0, len(preview.items), opinion.MAX_MENTIONS):
                stored += opinion.ingest_mentions(_org(request), preview.items[start : start + opinion.MAX_MENTIONS], by=_me(request))  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("engagement:mentions_import")
        discard(request.session.pop(MENTION_KEY, None))
        new = sum(1 for _m, c in stored if c)
        messages.success(request, _("已导入 %(n)s 条，重复 %(d)s 条") % {"n": new, "d": len(stored) - new})  # fmt: skip
        return redirect("engagement:mentions")
    context = {"form": form, "table": table, "mapping": mapping, "fields": imports.MENTION_FIELDS.items(), "preview": preview}  # fmt: skip
    return show(request, "engagement/mentions_import.html", context)


def watch(request: HttpRequest) -> HttpResponse:
    _need(request, perms.OPINION_VIEW)
    org = _org(request)
    if request.method == "POST":
        try:
            opinion.save_watch_term(org, term=request.POST.get("term", ""), category=request.POST.get("category", ""), by=_me(request), active=request.POST.get("active", "1") == "1")  # fmt: skip
            messages.success(request, _("已保存"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("engagement:watch")
    rows = WatchTerm.objects.filter(organisation=org)
    return show(request, "engagement/watch.html", {"rows": rows, "categories": WatchTerm.Category.choices, "settings": opinion.settings_of(org.pk), "grades": opinion.grades_of(org.pk), "can_manage": scopes.has_perm(_me(request), perms.OPINION_MANAGE)})  # fmt: skip
