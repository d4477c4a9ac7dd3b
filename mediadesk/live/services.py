"""Every write of the live app: sessions and plans, status changes, the checklist, figures,
话术, console captures and reviews. Each write checks scope and records an audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from mediadesk.core import audit, scopes, uploads
from mediadesk.live import access, rules, types
from mediadesk.live.models import (
    FIGURE_FIELDS,
    ChecklistItem,
    Figures,
    Offer,
    RecurringSlot,
    Review,
    Script,
    Session,
    SessionType,
    Stage,
    Status,
)
from mediadesk.live.perms import LIVE_MANAGE
from mediadesk.notifications import services as _notifications

_notifications.register_kinds({"live.checklist": gettext_lazy("直播准备项逾期")})
audit.register_actions(
    {
        "live_session.create": gettext_lazy("创建直播场次"),
        "live_session.update": gettext_lazy("修改直播场次"),
        "live_session.status": gettext_lazy("直播场次状态变更"),
        "live_session.checklist": gettext_lazy("确认开播前准备项"),
        "live_session.figures": gettext_lazy("录入直播数据"),
        "live_session.capture": gettext_lazy("直播控制台留资"),
        "live_session.review": gettext_lazy("直播复盘"),
        "live_session.offer": gettext_lazy("添加特价房源"),
        "live_script.save": gettext_lazy("保存话术"),
        "live_script.use": gettext_lazy("使用话术"),
        "live_session.campaign": gettext_lazy("创建直播留资活动"),
        "live_session.leads_import": gettext_lazy("导入直播线索列表"),
        "live_slot.create": gettext_lazy("设置直播固定时段"),
        "live_slot.update": gettext_lazy("修改直播固定时段"),
    }
)

SESSION_FIELDS = (
    "title",
    "theme",
    "script",
    "type",
    "guest",
    "planned_start",
    "planned_end",
    "project",
    "target_viewers",
    "target_peak",
    "target_leads",
    "target_followers",
    "console_notes",
)


def _snap(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """audit.snapshot with lazy (gettext) choice labels made plain text."""
    return {
        k: str(v) if isinstance(v, Promise) else v for k, v in audit.snapshot(obj, fields).items()
    }


def _require_manage(by: Any, obj: Any) -> None:
    if not access.can_manage(by, obj):
        raise PermissionDenied(_("没有管理该账号直播的权限"))


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise ValidationError({"planned_end": _("结束时间必须晚于开始时间")})


def _warmup(session: Session, by: Any) -> None:
    """The 直播预告 content item with a variant on the session's account."""
    from mediadesk.content.models import ContentItem, Form, Variant

    item = ContentItem.objects.create(
        organisation=session.organisation,
        company=session.company,
        project=session.project,
        title=f"直播预告：{session.title}"[:120],
        owner=by,
        form=Form.LIVE_TEASER,
        created_by=by,
    )
    Variant.objects.create(
        item=item,
        organisation=session.organisation,
        company=session.company,
        project=session.project,
        owner=by,
        account=session.account,
        platform=session.account.platform,
        title=item.title,
        planned_at=session.planned_start - rules.WARMUP_LEAD - dt.timedelta(minutes=5),
    )
    session.warmup_item = item
    session.save(update_fields=["warmup_item"])


def _stages(session: Session) -> None:
    Stage.objects.bulk_create(
        Stage(session=session, order=i, name=name, minutes=m, goal=goal)
        for i, (name, m, goal) in enumerate(rules.DEFAULT_STAGES, start=1)
    )


def _checklist(session: Session) -> None:
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            session=session,
            code=code,
            auto=code in rules.AUTO_CODES,
            due_at=session.planned_start - rules.DUE_BEFORE[code],
        )
        for code in rules.CHECKLIST_CODES
    )


@transaction.atomic
def create_session(
    *,
    by: Any,
    account: Any,
    title: str,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    type: str = SessionType.PROMO,
    anchors: Iterable[Any] = (),
    project: Any = None,
    guest: str = "",
    theme: str = "",
) -> Session:
    """Create a session with its run-of-show, checklist and 直播预告 warm-up item."""
    _check_times(planned_start, planned_end)
    if not title.strip():
        raise ValidationError({"title": _(_("请填写直播标题"))})
    if type != SessionType.LEADER:
        types.require_active(account.organisation_id, types.Kind.SESSION_TYPE, type, "type")
    project = project or account.project
    session = Session(
        organisation=account.organisation,
        account=account,
        project=project,
        company=account.company or (project.company if project else None),
        title=title.strip(),
        planned_start=planned_start,
        planned_end=planned_end,
        type=type,
        guest=guest,
        theme=theme,
        created_by=by,
    )
    _require_manage(by, session)
    session.save()
    session.anchors.set(list(anchors))
    _stages(session)
    _checklist(session)
    _warmup(session, by)
    refresh_checklist(session)
    audit.record(
        actor=by,
        action="live_session.create",
        target=session,
        changes={"title": [None, session.title], "type": [None, type]},
    )
    return session


def _at(day: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t))


@transaction.atomic
def generate_plan(
    *,
    by: Any,
    account: Any,
    year: int,
    month: int,
    weekdays: Iterable[int] = (0, 2, 4),
    start: dt.time = dt.time(15),
    end: dt.time = dt.time(17),
    type: str = SessionType.PROMO,
    anchors: Iterable[Any] = (),
) -> list[Session]:
    """A month's sessions from a weekly slot; the 20th gets the city-leader session."""
    if end <= start:
        raise ValidationError({"end": _("结束时间必须晚于开始时间")})
    days = rules.plan_dates(year, month, weekdays)
    leader_day = dt.date(year, month, rules.LEADER_DAY)
    if leader_day not in days:
        days = sorted([*days, leader_day])
    anchors = list(anchors)
    _save_slot(by=by, account=account, weekdays=weekdays, start=start, end=end, type=type,
               anchors=anchors)  # fmt: skip
    out = []
    for day in days:
        leader = day == leader_day
        title = "城市负责人专场" if leader else "楼盘直播"
        out.append(
            create_session(
                by=by,
                account=account,
                title=title,
                planned_start=_at(day, start),
                planned_end=_at(day, end),
                type=SessionType.LEADER if leader else type,
                anchors=anchors,
                guest="城市公司营销负责人" if leader else "",
            )
        )
    return out


def _save_slot(
    *,
    by: Any,
    account: Any,
    weekdays: Iterable[int],
    start: dt.time,
    end: dt.time,
    type: str,
    anchors: list[Any],
) -> RecurringSlot:
    """Keep the account's recurring slot (one per start time) the plan was generated from."""
    slot, created = RecurringSlot.objects.update_or_create(
        account=account, start=start,
        defaults={"organisation": account.organisation, "end": end, "type": type,
                  "weekdays": ",".join(str(d) for d in sorted(set(weekdays)))},
    )  # fmt: skip
    slot.anchors.set(anchors)
    audit.record(
        actor=by, action="live_slot.create" if created else "live_slot.update", target=slot,
        changes={"weekdays": [None, slot.weekdays], "start": [None, f"{start:%H:%M}"]},
    )  # fmt: skip
    return slot


@transaction.atomic
def update_session(session: Session, *, by: Any, values: Mapping[str, Any]) -> Session:
    """Edit a session (move, retitle, script, targets …); audited, checklist refreshed."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(by, session)
    before = _snap(session, SESSION_FIELDS)
    if "type" in values and values["type"] != session.type:
        types.require_active(
            session.organisation_id, types.Kind.SESSION_TYPE, values["type"], "type"
        )
    for key, value in values.items():
        if key in SESSION_FIELDS:
            setattr(session, key, value)
    _check_times(session.planned_start, session.planned_end)
    if not session.title.strip():
        raise ValidationError({"title": _("请填写直播标题")})
    session.save()
    if "anchors" in values:
        session.anchors.set(values["anchors"])
    changes = audit.diff(before, _snap(session, SESSION_FIELDS))
    if changes:
        audit.record(actor=by, action="live_session.update", target=session, changes=changes)
    refresh_checklist(session)
    return session


@transaction.atomic
def set_cover(session: Session, *, by: Any, upload: UploadedFile) -> Session:
    """Store a cover after core.uploads' checks; its size drives the square item."""
    _require_manage(by, session)
    uploads.validate_image(upload, field="cover")
    with Image.open(upload) as img:
        width, height = img.size
    upload.seek(0)
    session.cover.save(upload.name or "cover.png", upload, save=False)
    session.cover_width, session.cover_height = width, height
    session.save(update_fields=["cover", "cover_width", "cover_height"])
    audit.record(
        actor=by,
        action="live_session.update",
        target=session,
        changes={"cover": [None, f"{width}×{height}"]},
    )
    refresh_checklist(session)
    return session


@transaction.atomic
def change_status(session: Session, *, by: Any, to: str, reason: str = "") -> Session:
    """Move a session along 计划中 → 准备中 → 直播中 → 已结束 → 已复盘, or 已取消 (reason)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if not (access.can_manage(by, session) or access.can_console(by, session)):
        raise PermissionDenied(_("没有权限变更该直播场次状态"))
    if to not in rules.TRANSITIONS.get(session.status, set()):
        raise ValidationError(
            {
                "status": _("不能从「%(status)s」变为该状态")
                % {"status": session.get_status_display()}
            }
        )
    if to == Status.CANCELLED and not reason.strip():
        raise ValidationError({"reason": _("取消直播请填写原因")})
    before = session.get_status_display()
    session.status = to
    if to == Status.CANCELLED:
        session.cancel_reason = reason.strip()[:200]
    if to == Status.LIVE:
        session.actual_start = timezone.now()
    if to == Status.ENDED:
        session.actual_end = timezone.now()
    session.save()
    audit.record(
        actor=by,
        action="live_session.status",
        target=session,
        changes={
            "status": [before, session.get_status_display()],
            **({"reason": [None, reason]} if reason else {}),
        },
    )
    return session


# --- checklist ----------------------------------------------------------------------------


def _warmup_published_at(session: Session) -> dt.datetime | None:
    from mediadesk.content.models import Variant

    if not session.warmup_item_id:
        return None
    return (
        Variant.objects.filter(item_id=session.warmup_item_id, account_id=session.account_id)
        .exclude(published_at=None)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def _script_done(session: Session) -> bool:
    stages = list(session.stages.all())
    return bool(session.theme.strip()) and bool(stages) and all(s.text.strip() for s in stages)


def compliance_text(session: Session) -> str:
    """Title, script, run-of-show and the chosen 话术 (variables filled), for the checker."""
    from mediadesk.live.session_scripts import chosen_texts

    parts = [session.title, session.script, *(s.text for s in session.stages.all())]
    parts += [text for _s, text in chosen_texts(session)]
    return "\n".join(p for p in parts if p)


def _compliance_ok(session: Session) -> bool:
    from mediadesk.compliance import services as compliance

    findings = compliance.check_text(compliance_text(session), organisation=session.organisation_id)
    return not compliance.has_block(findings) or bool(session.compliance_override)


def auto_results(session: Session) -> dict[str, bool]:
    """The automatic checklist items' state from the data held."""
    account = session.account
    bio = f"{account.bio} {account.live_schedule}"
    return {
        "title_length": rules.title_ok(session.title),
        "cover_square": rules.cover_square(session.cover_width, session.cover_height),
        "warmup_video": rules.warmup_ok(_warmup_published_at(session), session.planned_start),
        "script": _script_done(session),
        "profile_slots": rules.bio_mentions(bio, timezone.localtime(session.planned_start)),
        "compliance": _compliance_ok(session),
    }


def refresh_checklist(session: Session) -> dict[str, bool]:
    """Recompute the automatic items and move due times with the start."""
    results = auto_results(session)
    for item in session.checklist.all():
        due = session.planned_start - rules.DUE_BEFORE[item.code]
        done = results.get(item.code, item.done) if item.auto else item.done
        if (item.done, item.due_at) != (done, due):
            item.done, item.due_at = done, due
            item.save(update_fields=["done", "due_at"])
    return results


def readiness(session: Session) -> tuple[int, int]:
    items = list(session.checklist.all())
    return sum(1 for i in items if i.done), len(items)


@transaction.atomic
def confirm_item(session: Session, code: str, *, by: Any) -> ChecklistItem:
    """A person confirms a checklist item (who, when), audited."""
    if code not in rules.CHECKLIST_CODES:
        raise ValidationError({"code": _("没有这个准备项")})
    if not (access.can_manage(by, session) or access.can_console(by, session)):
        raise PermissionDenied(_("没有权限确认该直播的准备项"))
    item = session.checklist.select_for_update().get(code=code)
    if item.auto:
        raise ValidationError({"code": _("该项由系统自动检查，不能手工确认")})
    item.done, item.confirmed_by, item.confirmed_at = True, by, timezone.now()
    item.save(update_fields=["done", "confirmed_by", "confirmed_at"])
    audit.record(
        actor=by, action="live_session.checklist", target=session, changes={code: [False, True]}
    )
    return item


@transaction.atomic
def override_compliance(session: Session, *, by: Any, reason: str) -> Session:
    """Legal lets a session's blocked text pass, with a reason."""
    if not access.can_override(by, session):
        raise PermissionDenied(_("只有法务可以放行合规问题"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写放行理由")})
    session.compliance_override = reason.strip()[:200]
    session.save(update_fields=["compliance_override"])
    audit.record(
        actor=by,
        action="live_session.update",
        target=session,
        changes={"compliance_override": [None, session.compliance_override]},
    )
    refresh_checklist(session)
    return session


@transaction.atomic
def add_offer(session: Session, *, by: Any, values: Mapping[str, Any]) -> Offer:
    """Add a 特价房源 to a session."""
    _require_manage(by, session)
    offer = Offer(session=session, **{k: values[k] for k in values if k in OFFER_FIELDS})
    if offer.offer_price > offer.list_price:
        raise ValidationError({"offer_price": _("特价不能高于原价")})
    if offer.project.organisation_id != session.organisation_id:
        raise ValidationError({"project": _("项目不属于本组织")})
    offer.save()
    audit.record(
        actor=by,
        action="live_session.offer",
        target=session,
        changes={"offer": [None, f"{offer.unit} ¥{offer.offer_price}"]},
    )
    return offer


OFFER_FIELDS = ("project", "unit", "area", "list_price", "offer_price", "quantity", "valid_until")


# --- figures ------------------------------------------------------------------------------


def clean_figures(values: Mapping[str, Any], current: Figures | None = None) -> dict[str, Any]:
    """The figure fields of `values`, validated together with what is already stored."""
    data = {k: values[k] for k in FIGURE_FIELDS if k in values}
    merged = {k: getattr(current, k) for k in FIGURE_FIELDS} if current else {}
    merged.update(data)
    errors = rules.figure_errors(merged)
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def save_figures(
    session: Session,
    *,
    by: Any,
    values: Mapping[str, Any],
    source: str = "api",
    extra: Mapping[str, str] | None = None,
) -> Figures:
    """Store a session's figures (idempotent: same values, no change) and feed commissions."""
    _require_manage(by, session)
    current = Figures.objects.select_for_update().filter(session=session).first()
    data = clean_figures(values, current)
    figures = current or Figures(session=session)
    before = _snap(figures, FIGURE_FIELDS) if current else {}
    for key, value in data.items():
        setattr(figures, key, value)
    if extra:
        figures.extra = {**figures.extra, **extra}
    curve = values.get("online_curve")
    if curve is not None:
        if any(not isinstance(v, int) or v < 0 for v in curve):
            raise ValidationError({"online_curve": _("在线曲线的数值不能为负数")})
        before["online_curve_minutes"] = len(figures.online_curve) if current else None
        figures.online_curve = list(curve)
    figures.source = source
    figures.save()
    after = _snap(figures, FIGURE_FIELDS)
    if curve is not None:
        after["online_curve_minutes"] = len(figures.online_curve)
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor=by, action="live_session.figures", target=session, changes=changes)
        sync_commission_figures(session, figures, by=by)
    return figures


def save_figures_bulk(
    rows: list[tuple[Session, dict[str, int | None], dict[str, str]]],
    *,
    by: Any,
    filename: str = "",
) -> int:
    """Store many sessions' figures at once (the import): validated against what is stored,
    one audit entry per changed session, commissions fed in bulk. Runs inside the caller's
    transaction. Returns how many sessions changed."""
    ids = [s.pk for s, _v, _e in rows]
    current = {f.session_id: f for f in Figures.objects.filter(session_id__in=ids)}
    new: list[Figures] = []
    changed: list[Figures] = []
    entries: list[tuple[Any, dict[str, Any]]] = []
    for session, values, extra in rows:
        figures = current.get(session.pk)
        data = clean_figures(values, figures)
        before = {k: getattr(figures, k) for k in FIGURE_FIELDS} if figures else {}
        target = figures or Figures(session=session)
        for key, value in data.items():
            setattr(target, key, value)
        diff = audit.diff(before, {k: getattr(target, k) for k in FIGURE_FIELDS})
        if not diff:
            continue
        target.extra = {**target.extra, **extra, **({"_file": filename[:100]} if filename else {})}
        target.source = "import"
        (changed if figures else new).append(target)
        entries.append((session, diff))
    # Changed rows are replaced (nothing refers to a Figures row's id): SQLite's CASE-based
    # bulk_update is quadratic and one UPDATE per row is slow at 10,000 rows.
    Figures.objects.filter(pk__in=[f.pk for f in changed]).delete()
    for f in changed:
        f.pk = None
    Figures.objects.bulk_create(new + changed, batch_size=500)
    _audit_many(by, "live_session.figures", entries)
    _sync_commissions_bulk([s for s, _d in entries], by=by)
    return len(entries)


def _audit_many(by: Any, action: str, entries: list[tuple[Any, dict[str, Any]]]) -> None:
    """audit.record for many targets in one INSERT per 500."""
    audit.record_many(actor=by, action=action, entries=entries)


def _company_id(session: Session) -> int:
    """The company a session's commission figure belongs to (its own, else its project's)."""
    if session.company_id is not None:
        return session.company_id
    return session.project.company_id if session.project else 0


def _sync_commissions_bulk(sessions: list[Session], *, by: Any) -> None:
    """sync_commission_figures for many sessions: one read, bulk writes, one audit entry each."""
    from mediadesk.commissions.models import LiveSessionFigure

    for k in range(0, len(sessions), 500):
        chunk = list(
            Session.objects.filter(pk__in=[s.pk for s in sessions[k : k + 500]])
            .exclude(project=None)
            .select_related("figures")
            .prefetch_related("anchors")
        )
        notes = {COMMISSION_NOTE.format(pk=s.pk): s for s in chunk}
        existing = {
            (r.note, r.anchor_id): r for r in LiveSessionFigure.objects.filter(note__in=notes)
        }
        new, changed = [], []
        for note, session in notes.items():
            f = session.figures
            day = timezone.localtime(session.planned_start).date()
            for anchor in session.anchors.all():
                row = existing.get((note, anchor.pk))
                values = {"viewers": f.viewers or 0, "leads": f.leads or 0, "date": day}
                if row is None:
                    new.append(
                        LiveSessionFigure(
                            organisation_id=session.organisation_id,
                            company_id=_company_id(session),
                            project_id=int(session.project_id or 0),
                            anchor=anchor,
                            entered_by=by,
                            note=note,
                            **values,
                        )
                    )
                elif any(getattr(row, a) != b for a, b in values.items()):
                    for a, b in values.items():
                        setattr(row, a, b)
                    changed.append(row)
        LiveSessionFigure.objects.bulk_create(new)
        for row in changed:
            LiveSessionFigure.objects.filter(pk=row.pk).update(
                viewers=row.viewers, leads=row.leads, date=row.date
            )
        _audit_many(
            by,
            "live_figure.update",
            [(r, {"leads": [None, r.leads], "viewers": [None, r.viewers]}) for r in new + changed],
        )


COMMISSION_NOTE = "直播场次#{pk} 平台数据"


def sync_commission_figures(session: Session, figures: Figures, *, by: Any) -> None:
    """Feed the commissions live-session incentive from the session's real figures: one
    LiveSessionFigure per anchor, marked with the session (hand entries stay unmarked)."""
    from mediadesk.commissions.models import LiveSessionFigure

    if session.project_id is None or (figures.viewers is None and figures.leads is None):
        return
    note = COMMISSION_NOTE.format(pk=session.pk)
    day = timezone.localtime(session.planned_start).date()
    for anchor in session.anchors.all():
        row, created = LiveSessionFigure.objects.update_or_create(
            note=note,
            anchor=anchor,
            defaults={
                "organisation_id": session.organisation_id,
                "company_id": _company_id(session),
                "project_id": session.project_id,
                "date": day,
                "entered_by": by,
                "viewers": figures.viewers or 0,
                "leads": figures.leads or 0,
            },
        )
        audit.record(
            actor=by,
            action="live_figure.create" if created else "live_figure.update",
            target=row,
            changes={"leads": [None, row.leads]},
        )


# --- console, 话术, review -------------------------------------------------------------------


@transaction.atomic
def capture_lead(session: Session, *, by: Any, phone: str, note: str = "", name: str = "") -> Any:
    """One-tap lead capture from the console, tied to the session (source 直播)."""
    from mediadesk.leads.models import Source
    from mediadesk.leads.services import capture_lead as capture

    if not access.can_console(by, session):
        raise PermissionDenied(_("没有使用直播控制台的权限"))
    if session.project is None:
        raise ValidationError({"project": _("该场直播未关联项目，无法留资")})
    touch = capture(
        organisation=session.organisation,
        project=session.project,
        phone=phone,
        source=Source.LIVE,
        by=by,
        name=name,
        account=session.account,
        live_session=session,
        note=note,
    )
    audit.record(
        actor=by, action="live_session.capture", target=session, changes={"touch": [None, touch.pk]}
    )
    return touch


@transaction.atomic
def save_script(
    script: Script | None,
    *,
    by: Any,
    organisation: Any,
    values: Mapping[str, Any],
    usable: bool = False,
    override_reason: str = "",
) -> Script:
    """Save a 话术; it becomes 可用 only if the compliance checker finds no block (or legal
    overrides with a reason)."""
    from mediadesk.compliance import services as compliance

    scopes.require(scopes.has_perm(by, LIVE_MANAGE), _("没有管理话术的权限"))
    script = script or Script(organisation=organisation, author=by)
    before = _snap(script, ("category", "text", "state")) if script.pk else {}
    for key in ("category", "text", "tags", "project"):
        if key in values:
            setattr(script, key, values[key])
    if not script.text.strip():
        raise ValidationError({"text": _("请填写话术内容")})
    if script.category != before.get("category"):
        types.require_active(
            getattr(organisation, "pk", organisation), types.Kind.SCRIPT_CATEGORY,
            script.category, "category",
        )  # fmt: skip
    state = Script.State.DRAFT
    if usable:
        blocked = compliance.has_block(
            compliance.check_text(script.text, organisation=organisation)
        )
        if blocked and not override_reason.strip():
            raise ValidationError({"text": _("话术含有违禁用语，需法务放行后才能设为可用")})
        if blocked and not scopes.has_perm(by, "live.legal_override"):
            raise PermissionDenied(_("只有法务可以放行含违禁用语的话术"))
        script.override_reason = override_reason.strip()[:200] if blocked else ""
        state = Script.State.USABLE
    script.state = state
    script.save()
    changes = audit.diff(before, _snap(script, ("category", "text", "state")))
    audit.record(actor=by, action="live_script.save", target=script, changes=changes)
    return script


@transaction.atomic
def save_review(
    session: Session,
    *,
    by: Any,
    values: Mapping[str, str],
    ratings: Mapping[int, int] | None = None,
    actions: Iterable[Mapping[str, Any]] = (),
) -> Review:
    """The post-live review; rates the 话术 used, turns each action (text, owner, due) into a
    planning task and moves the session to 已复盘."""
    from mediadesk.live import review_actions

    _require_manage(by, session)
    if session.status != Status.ENDED:
        raise ValidationError({"status": _("只有已结束的直播可以复盘")})
    action_rows = review_actions.clean(session, actions)
    review = Review.objects.create(
        session=session,
        done_by=by,
        worked=values.get("worked", ""),
        problems=values.get("problems", ""),
        actions=values.get("actions", ""),
    )
    for pk, stars in (ratings or {}).items():
        if not 1 <= stars <= 5:
            raise ValidationError({"ratings": _("评分应为 1–5")})
        Script.objects.filter(pk=pk, organisation_id=session.organisation_id).update(
            rating_sum=models_F("rating_sum") + stars, rating_count=models_F("rating_count") + 1
        )
    audit.record(
        actor=by,
        action="live_session.review",
        target=session,
        changes={"review": [None, review.pk]},
    )
    review_actions.create(review, action_rows, by=by)
    change_status(session, by=by, to=Status.REVIEWED)
    return review


def models_F(name: str) -> Any:
    from django.db.models import F

    return F(name)


@transaction.atomic
def use_script(session: Session, script_pk: int, *, by: Any) -> Script:
    """A 话术 card used during the session (console): usage count + 1, audited."""
    from django.db.models import F

    if not access.can_console(by, session):
        raise PermissionDenied(_("没有使用直播控制台的权限"))
    script = Script.objects.select_for_update().get(
        pk=script_pk, organisation_id=session.organisation_id, state=Script.State.USABLE
    )
    Script.objects.filter(pk=script.pk).update(usage_count=F("usage_count") + 1)
    script.refresh_from_db()
    audit.record(
        actor=by, action="live_script.use", target=script,
        changes={"usage_count": [script.usage_count - 1, script.usage_count],
                 "session": [None, session.pk]},
    )  # fmt: skip
    return script


@transaction.atomic
def session_campaign(session: Session, *, by: Any) -> Any:
    """The session's capture campaign (public form + QR, source 直播), created once; leads
    from its form carry the session."""
    from mediadesk.leads import services as leads
    from mediadesk.leads.models import Campaign, Source

    existing = Campaign.objects.filter(live_session=session).first()
    if existing is not None:
        return existing
    _require_manage(by, session)
    if session.project is None:
        raise ValidationError({"project": _("该场直播未关联项目，无法创建留资活动")})
    campaign = leads.save_campaign(
        None, by=by, project=session.project,
        values={"name": f"直播留资·{session.title}"[:60], "source": Source.LIVE,
                "account": session.account,
                "ends_at": session.planned_end + dt.timedelta(days=1)},
    )  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(live_session=session)
    campaign.live_session = session
    audit.record(
        actor=by, action="live_session.campaign", target=session,
        changes={"campaign": [None, campaign.pk]},
    )  # fmt: skip
    return campaign


@transaction.atomic
def update_stages(session: Session, *, by: Any, texts: Mapping[int, str]) -> Session:
    """Fill the run-of-show stages' text (the anchor's copy); audited, checklist refreshed."""
    _require_manage(by, session)
    changes: dict[str, Any] = {}
    for stage in session.stages.select_for_update():
        text = texts.get(stage.pk)
        if text is not None and text != stage.text:
            changes[stage.name] = [stage.text, text]
            stage.text = text
            stage.save(update_fields=["text"])
    if changes:
        audit.record(actor=by, action="live_session.update", target=session, changes=changes)
    refresh_checklist(session)
    return session
