"""Sessions and plans: create, generate a month from recurring slots, update, cover, status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from mediadesk.core import audit, uploads
from mediadesk.live import access, rules, types
from mediadesk.live.models import (
    ChecklistItem,
    RecurringSlot,
    Session,
    SessionType,
    Stage,
    Status,
)
from mediadesk.live.services._common import require_manage, snap
from mediadesk.live.services.checklist import refresh_checklist

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
    require_manage(by, session)
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
    require_manage(by, session)
    before = snap(session, SESSION_FIELDS)
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
    changes = audit.diff(before, snap(session, SESSION_FIELDS))
    if changes:
        audit.record(actor=by, action="live_session.update", target=session, changes=changes)
    refresh_checklist(session)
    return session


@transaction.atomic
def set_cover(session: Session, *, by: Any, upload: UploadedFile) -> Session:
    """Store a cover after core.uploads' checks; its size drives the square item."""
    require_manage(by, session)
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
