"""Pages of the live app: 直播计划, session page, phone-first console, 话术 library, ranking.
Thin: reads through queries/access, writes through services."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mediadesk.core import excel, scopes
from mediadesk.core.imports import discard, stash, stashed_meta, unstash
from mediadesk.live import (
    access,
    imports,
    plan_io,
    queries,
    rules,
    services,
    session_scripts,
    types,
)
from mediadesk.live.filters import PlanFilters
from mediadesk.live.labels import CHECK_LABELS
from mediadesk.live.models import Script, Session, Status

PER_PAGE = 50


def _month(request: HttpRequest) -> tuple[int, int]:
    text = request.GET.get("month") or ""
    try:
        year, month = (int(x) for x in text.split("-"))
        dt.date(year, month, 1)
        return year, month
    except ValueError:
        today = timezone.localdate()
        return today.year, today.month


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _plan_params(request: HttpRequest, filters: PlanFilters, year: int, month: int) -> str:
    """The pager's query string: the filters given, else the month shown."""
    params = {k: v for k, v in request.GET.items() if k in filters.given() and k != "page"}
    if filters.soon is None:
        params["month"] = f"{year}-{month:02d}"
    return urlencode(params)


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """直播计划: the month's sessions (grid + list) with readiness and window warnings."""
    access.require_view(request.user)
    year, month = _month(request)
    filters = PlanFilters.from_query(request.GET)
    qs = filters.apply(access.visible_sessions(request.user))
    if filters.soon is None:  # the month's plan; "starting within N hours" spans months
        since, until = queries.month_range(year, month)
        qs = qs.filter(planned_start__gte=since, planned_start__lt=until)
    windows: Any = rules.POPULAR_WINDOWS
    account = str(filters.account or "")
    if filters.account:
        windows = queries.best_hours(filters.account) or windows
    paginator = Paginator(qs.order_by(*filters.ordering()), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    sessions = list(page.object_list)
    ready = queries.readiness_map([s.pk for s in sessions])
    rows = [
        {
            "s": s,
            "ready": ready.get(s.pk, (0, 0)),
            "outside": not rules.in_popular_window(
                timezone.localtime(s.planned_start).time(), windows
            ),
        }
        for s in sessions
    ]
    week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    return render(
        request,
        "live/plan.html",
        {
            "rows": rows,
            "page": page,
            "params": _plan_params(request, filters, year, month),
            "soon": filters.soon,
            "not_ready": filters.not_ready,
            "account": account,
            "accounts": _accounts(request),
            "year": year,
            "month": month,
            "nav_active": "live",
            "load": queries.anchor_load(
                qs.model.objects.filter(pk__in=[s.pk for s in sessions]), week
            ),
            "windows": windows,
            "own_windows": windows is not rules.POPULAR_WINDOWS,
            "grid": queries.month_grid(year, month, sessions)
            if paginator.num_pages == 1 and filters.soon is None
            else None,
            "weekdays": WEEKDAYS,
            "type_labels": types.session_type_labels(_org(request)),
            "can_import": access.can_manage_scripts(request.user),
        },
    )


@login_required
def plan_export(request: HttpRequest) -> HttpResponse:
    """The month's plan as Excel (with 场次ID, so the sheet can be edited and imported back)."""
    access.require_view(request.user)
    year, month = _month(request)
    since, until = queries.month_range(year, month)
    qs = access.visible_sessions(request.user).filter(
        planned_start__gte=since, planned_start__lt=until
    )
    account = request.GET.get("account", "")
    if account.isdigit():
        qs = qs.filter(account_id=int(account))
    return excel.xlsx_response(
        f"直播计划-{year}-{month:02d}.xlsx", plan_io.headers(), plan_io.export_rows(qs)
    )


def _org(request: HttpRequest) -> int | None:
    return getattr(request.user, "organisation_id", None)


def _session_context(request: HttpRequest, session: Session) -> dict:
    labels = dict(CHECK_LABELS)
    done, total = services.readiness(session)
    figures = getattr(session, "figures", None) if hasattr(session, "figures") else None
    values = (
        {
            k: getattr(figures, k)
            for k in ("viewers", "new_followers", "fan_club_joins", "commenters", "leads")
        }
        if figures
        else {}
    )
    return {
        "session": session,
        "nav_active": "live",
        "done": done,
        "total": total,
        "checklist": [(i, labels[i.code]) for i in session.checklist.all()],
        "stages": list(session.stages.all()),
        "offers": list(session.offers.all()),
        "figures": figures,
        "rates": [(RATE_LABELS[k], r) for k, r in rules.rates(values).items()] if figures else [],
        "leads": queries.session_leads(session),
        "history": session.pk,
        "scripts": queries.script_cards(session),
        "last": queries.last_sessions(session),
        "can_console": access.can_console(request.user, session),
        "can_manage": access.can_manage(request.user, session),
        "next_statuses": [
            (code, Status(code).label)
            for code in sorted(rules.TRANSITIONS.get(session.status, set()))
            if code != Status.REVIEWED
        ],
        "can_cancel": Status.CANCELLED in rules.TRANSITIONS.get(session.status, set()),
        "review": getattr(session, "review", None) if hasattr(session, "review") else None,
        "campaign": session.campaigns.first(),
        "actions": list(session.review_actions.select_related("owner")),
        "findings": session_scripts.block_findings(session),
        "chosen": {s.pk for s in session.scripts.all()},
        "type_labels": types.session_type_labels(session.organisation_id),
        "category_labels": types.category_labels(session.organisation_id),
    }


@login_required
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """The session page: readiness, run-of-show, offers, figures, leads, review."""
    obj = access.access_session(request.user, pk)
    return render(request, "live/session.html", _session_context(request, obj))


@login_required
def console(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone-first live console."""
    obj = access.access_session(request.user, pk)
    ctx = _session_context(request, obj)
    now = timezone.now()
    start = obj.actual_start or obj.planned_start
    elapsed = max(0, int((now - start).total_seconds() // 60))
    current, left = None, 0
    acc = 0
    for stage in ctx["stages"]:
        acc += stage.minutes
        if elapsed < acc:
            current, left = stage, acc - elapsed
            break
    ctx.update(
        {
            "current": current,
            "left": left,
            "in_live": [_("引导关注/加粉丝团"), _("连麦"), _("活动")],
        }
    )
    return render(request, "live/console.html", ctx)


@login_required
@require_POST
def capture(request: HttpRequest, pk: int) -> HttpResponse:
    obj = access.access_session(request.user, pk)
    try:
        services.capture_lead(
            obj,
            by=request.user,
            phone=request.POST.get("phone", ""),
            note=request.POST.get("note", "")[:500],
        )
        messages.success(request, _("已留资"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("live:console", pk=pk)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    obj = access.access_session(request.user, pk)
    try:
        services.confirm_item(obj, code, by=request.user)
        messages.success(request, _("已确认"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(request.POST.get("next") or f"/live/sessions/{pk}/")


@login_required
@require_POST
def cover(request: HttpRequest, pk: int) -> HttpResponse:
    obj = access.access_session(request.user, pk)
    upload = request.FILES.get("cover")
    if upload is None:
        messages.error(request, _("请选择封面图片"))
    else:
        try:
            services.set_cover(obj, by=request.user, upload=upload)
            messages.success(request, _("封面已上传"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return redirect("live:session", pk=pk)


@login_required
def scripts(request: HttpRequest) -> HttpResponse:
    """话术 library."""
    access.require_view(request.user)
    qs = Script.objects.filter(organisation_id=getattr(request.user, "organisation_id", 0))
    if request.GET.get("category"):
        qs = qs.filter(category=request.GET["category"])
    return render(
        request,
        "live/scripts.html",
        {
            "scripts": qs[:200],
            "nav_active": "live",
            "categories": types.options(_org(request), types.Kind.SCRIPT_CATEGORY),
            "category_labels": types.category_labels(_org(request)),
            "can_edit": access.can_manage_scripts(request.user),
        },
    )


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """线上标杆: anchor ranking for the month."""
    access.require_view(request.user)
    year, month = _month(request)
    since, until = queries.month_range(year, month)
    rows = queries.ranking(access.visible_sessions(request.user), since, until)
    return render(
        request,
        "live/ranking.html",
        {"rows": rows, "year": year, "month": month, "nav_active": "live", "statuses": Status},
    )


# --- session actions, post-live review, 话术 editing ------------------------------------------


@login_required
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the session to the next status (cancel needs a reason)."""
    obj = access.access_session(request.user, pk)
    try:
        services.change_status(
            obj, by=request.user, to=request.POST.get("to", ""),
            reason=request.POST.get("reason", "")[:200],
        )  # fmt: skip
        messages.success(request, _("状态已更新"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("live:session", pk=pk)


ACTION_ROWS = 10


def _action_rows(request: HttpRequest) -> list[dict[str, str]]:
    """The review form's action rows (text, owner id, due date); blank rows dropped."""
    rows = []
    for n in range(1, ACTION_ROWS + 1):
        row = {k: request.POST.get(f"action_{k}_{n}", "").strip()
               for k in ("text", "owner", "due")}  # fmt: skip
        if row["text"]:
            rows.append(row)
    return rows


@login_required
@require_POST
def close_action(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Close a review action (its owner or a live manager); its planning task closes too."""
    from mediadesk.live import review_actions
    from mediadesk.live.models import ReviewAction

    obj = access.access_session(request.user, pk)
    action = scopes.get_or_404(ReviewAction.objects.filter(session=obj), action_pk)
    try:
        review_actions.close(action, by=request.user)
        messages.success(request, _("措施已完成"))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("live:session", pk=pk)


def _ratings(request: HttpRequest) -> dict[int, int]:
    out = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("rate_") and key[5:].isdigit() and value.isdigit():
            out[int(key[5:])] = int(value)
    return out


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The post-live review form: KPI card, what worked, problems, actions, 话术 ratings."""
    obj = access.access_session(request.user, pk)
    if not access.can_manage(request.user, obj):
        raise PermissionDenied(_("没有复盘该直播的权限"))
    values = {k: request.POST.get(k, "")[:2000] for k in ("worked", "problems", "actions")}
    rows = _action_rows(request)
    if request.method == "POST":
        try:
            services.save_review(obj, by=request.user, values=values, ratings=_ratings(request),
                                 actions=rows)  # fmt: skip
            messages.success(request, _("复盘已保存"))
            return redirect("live:session", pk=pk)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    ctx = _session_context(request, obj)
    ctx.update({"values": values, "kpi": queries.kpi_card(obj), "stars": range(1, 6),
                "chart": queries.online_chart(obj), "people": queries.people(obj),
                "action_rows": rows + [{"text": "", "owner": "", "due": ""}] * (3 - len(rows))
                if len(rows) < 3 else rows})  # fmt: skip
    return render(request, "live/review.html", ctx)


@login_required
def script_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a 话术; 可用 only after the compliance check (or legal's override)."""
    access.require_view(request.user)
    if not access.can_manage_scripts(request.user):
        raise PermissionDenied(_("没有管理话术的权限"))
    org = getattr(request.user, "organisation_id", 0)
    script = scopes.get_or_404(Script.objects.filter(organisation_id=org), pk) if pk else None
    if request.method == "POST":
        values = {
            "category": request.POST.get("category", ""),
            "text": request.POST.get("text", "")[:2000],
            "tags": request.POST.get("tags", "")[:200],
        }
        try:
            services.save_script(
                script, by=request.user, organisation=getattr(request.user, "organisation", None),
                values=values, usable=bool(request.POST.get("usable")),
                override_reason=request.POST.get("override_reason", ""),
            )  # fmt: skip
            messages.success(request, _("话术已保存"))
            return redirect("live:scripts")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        script = script or Script(**values)
        script.text, script.category, script.tags = (
            values["text"],
            values["category"],
            values["tags"],
        )
    return render(request, "live/script_form.html", {
        "script": script, "nav_active": "live",
        "categories": types.options(_org(request), types.Kind.SCRIPT_CATEGORY),
        "variables": rules.SCRIPT_VARIABLES,
    })  # fmt: skip


@login_required
@require_POST
def script_use(request: HttpRequest, pk: int, script_pk: int) -> HttpResponse:
    """The anchor used a 话术 card in the console: usage count + 1, audited."""
    obj = access.access_session(request.user, pk)
    try:
        services.use_script(obj, script_pk, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("live:console", pk=pk)


# --- figures import: upload (preset) → mapping + preview → all or nothing -------------------

IMPORT_KEY = "live_figures_import"


def _require_import(request: HttpRequest) -> None:
    access.require_view(request.user)
    if not access.can_manage_scripts(request.user):
        raise PermissionDenied(_("没有导入直播数据的权限"))


@login_required
def figures_import(request: HttpRequest) -> HttpResponse:
    """Upload the platform's live data export (.xlsx/.csv, UTF-8 or GB18030) with a preset."""
    _require_import(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        preset = request.POST.get("preset", "douyin")
        if upload is None:
            error = _("请选择要导入的文件")
        else:
            try:
                table = imports.read(upload)
            except ValidationError as exc:
                error = _errors(exc)
            else:
                discard(request.session.get(IMPORT_KEY))
                request.session[IMPORT_KEY] = stash(
                    table, user=request.user, filename=upload.name or "",
                    meta={"mapping": imports.mapping_for(table.headers, preset)},
                )  # fmt: skip
                return redirect("live:figures_preview")
    return render(request, "live/import.html", {
        "error": error, "presets": imports.PRESET_LABELS, "nav_active": "live",
    })  # fmt: skip


def _posted_mapping(request: HttpRequest, headers: list[str]) -> dict[str, str]:
    out = {}
    for i, header in enumerate(headers):
        key = request.POST.get(f"map_{i}", "")
        if key in imports.COMMON:
            out[header] = key
    return out


@login_required
def figures_preview(request: HttpRequest) -> HttpResponse:
    """The mapping screen and preview; 确认导入 writes every row or none."""
    _require_import(request)
    token = request.session.get(IMPORT_KEY)
    pending = unstash(token, user=request.user)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("live:figures_import")
    table, filename = pending
    mapping = (stashed_meta(token, user=request.user) or {}).get("mapping", {})
    refused: list[str] = []
    if request.method == "POST":
        mapping = _posted_mapping(request, table.headers)
        if request.POST.get("action") == "confirm":
            try:
                n = imports.confirm(table, user=request.user, mapping=mapping, filename=filename)
            except ValidationError as exc:
                messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
                refused = exc.messages
            else:
                discard(request.session.pop(IMPORT_KEY, None))
                messages.success(request, _("导入完成：%(n)s 场直播的数据有变更") % {"n": n})
                return redirect("live:plan")
    parsed = imports.parse(table, user=request.user, mapping=mapping)
    return render(request, "live/import_preview.html", {
        "filename": filename, "headers": [(i, h, mapping.get(h, "")) for i, h in
                                          enumerate(table.headers)],
        "fields": imports.FIELD_LABELS, "parsed": parsed, "rows": parsed.rows[:20],
        "count": len(table.rows), "nav_active": "live",
        "errors": (parsed.errors or refused)[:50],
    })  # fmt: skip


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """直播看板: sessions, viewers and leads by week; the weekday × hour heatmap by slot."""
    access.require_view(request.user)
    qs = access.visible_sessions(request.user)
    account = request.GET.get("account", "")
    if account.isdigit():
        qs = qs.filter(account_id=int(account))
    now = timezone.now()
    since = now - dt.timedelta(weeks=12)
    cells = queries.heatmap(None, since=now - dt.timedelta(days=365), qs=qs)
    accounts = _accounts(request)
    return render(request, "live/dashboard.html", {
        "weeks": queries.weekly(qs, since, now + dt.timedelta(days=1)),
        "heat": queries.heat_grid(cells), "weekdays": WEEKDAYS, "accounts": accounts,
        "account": account, "nav_active": "live",
    })  # fmt: skip


WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


@login_required
@require_POST
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the session's capture campaign (public form + QR)."""
    obj = access.access_session(request.user, pk)
    try:
        services.session_campaign(obj, by=request.user)
        messages.success(request, _("留资活动已创建"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("live:session", pk=pk)


EDIT_TEXT = ("title", "theme", "guest", "script")
EDIT_COUNTS = ("target_viewers", "target_peak", "target_leads", "target_followers")


def _edit_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {k: request.POST.get(k, "").strip() for k in EDIT_TEXT}
    values["title"] = values["title"][:60]
    for key in EDIT_COUNTS:
        text = request.POST.get(key, "").strip()
        if text and not text.isdigit():
            raise ValidationError({key: _("目标须为非负整数")})
        values[key] = int(text) if text else None
    for key in ("planned_start", "planned_end"):
        at = parse_datetime(request.POST.get(key, ""))
        if at is None:
            raise ValidationError({key: _("请填写有效的时间")})
        values[key] = timezone.make_aware(at) if timezone.is_naive(at) else at
    return values


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a session: title, theme, guest, times, targets, script and run-of-show texts."""
    obj = access.access_session(request.user, pk)
    if not access.can_manage(request.user, obj):
        raise PermissionDenied(_("没有管理该直播的权限"))
    if request.method == "POST":
        try:
            with transaction.atomic():
                obj = services.update_session(obj, by=request.user, values=_edit_values(request))
                texts = {
                    s.pk: request.POST.get(f"stage_{s.pk}", s.text)[:5000] for s in obj.stages.all()
                }
                services.update_stages(obj, by=request.user, texts=texts)
            messages.success(request, _("直播场次已保存"))
            return redirect("live:session", pk=pk)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return render(request, "live/edit.html", {
        "session": obj, "stages": list(obj.stages.all()), "nav_active": "live",
        "start": timezone.localtime(obj.planned_start).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(obj.planned_end).strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip


RATE_LABELS = {
    "follow_rate": gettext_lazy("转粉率"),
    "fan_club_rate": gettext_lazy("加团率"),
    "interaction_rate": gettext_lazy("互动率"),
    "lead_rate": gettext_lazy("留资率"),
}


LEADS_KEY = "live_leads_import"


@login_required
def leads_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the platform's lead list of this session: upload → preview → all or nothing."""
    from mediadesk.live import lead_imports

    obj = access.access_session(request.user, pk)
    if not access.can_manage(request.user, obj):
        raise PermissionDenied(_("没有管理该直播的权限"))
    ctx: dict[str, Any] = {"session": obj, "nav_active": "live", "parsed": None, "errors": []}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        pending = unstash(request.session.get(LEADS_KEY), user=request.user)
        if pending is None:
            messages.info(request, _("请先上传要导入的文件"))
            return redirect("live:leads_import", pk=pk)
        try:
            n = lead_imports.confirm(pending[0], obj, by=request.user)
        except ValidationError as exc:
            ctx["errors"] = exc.messages
        except PermissionDenied as exc:
            ctx["errors"] = [str(exc)]
        else:
            discard(request.session.pop(LEADS_KEY, None))
            messages.success(request, _("已导入 %(n)s 条线索") % {"n": n})
            return redirect("live:session", pk=pk)
    elif request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError(_("请选择要导入的文件"))
            table = imports.read(upload)
        except ValidationError as exc:
            ctx["errors"] = exc.messages
        else:
            parsed = lead_imports.parse(table, obj)
            ctx.update({"parsed": parsed, "errors": parsed.errors[:50]})
            discard(request.session.get(LEADS_KEY))
            if not parsed.errors:
                request.session[LEADS_KEY] = stash(
                    table, user=request.user, filename=upload.name or ""
                )
    return render(request, "live/leads_import.html", ctx)


def _accounts(request: HttpRequest) -> Any:
    """The accounts with visible sessions (id, name) for the account filters."""
    return (
        access.visible_sessions(request.user)
        .values_list("account_id", "account__name")
        .distinct()
        .order_by("account__name")[:200]
    )


@login_required
@require_POST
def choose_scripts(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the session's 话术 (checked for compliance with the session's texts)."""
    obj = access.access_session(request.user, pk)
    ids = [int(x) for x in request.POST.getlist("scripts") if x.isdigit()]
    try:
        session_scripts.choose(obj, ids, by=request.user)
        messages.success(request, _("本场话术已保存"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("live:session", pk=pk)
