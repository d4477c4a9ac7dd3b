"""The public pool (公海, 负极唤醒): negative or silent opportunities leave their owner,
anyone on the project may claim them (atomically) except the previous owner during the
cooldown, and a wake-up campaign assigns them or releases them for channels to report again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, scopes
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.core.periodic import periodic
from mediadesk.leads import services
from mediadesk.leads.models import Consultant, Opportunity, Report, Stage
from mediadesk.orgs.models import Project, User
from mediadesk.orgs.roles import Perm

NEGATIVE_REPORTS: dict[str, str] = {
    Report.Status.INVALID: "判客无效",
    Report.Status.VISIT_OVERDUE: "到访逾期",
    Report.Status.DEAL_OVERDUE: "成交逾期",
}
POOL_FIELDS = ("consultant", "in_pool", "pool_reason", "previous_consultant", "cooldown_until")


@transaction.atomic
def send_to_pool(opportunity: Opportunity, *, reason: str, by: Any = None) -> bool:
    """Move an opportunity into the pool, remembering its owner and the owner's cooldown.

    Compare-and-set: False when it was already pooled (a racing sweep did it first)."""
    now = timezone.now()
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=opportunity.pk)
    )
    if locked.in_pool:
        return False
    before = audit.snapshot(locked, POOL_FIELDS)
    cooldown = services.rules_of(locked.project).pool_cooldown_days
    if locked.consultant_id:
        locked.previous_consultant_id = locked.consultant_id
        locked.cooldown_until = now + dt.timedelta(days=cooldown)
    locked.consultant, locked.team = None, None
    locked.in_pool, locked.pooled_at, locked.pool_reason = True, now, reason[:40]
    locked.first_contact_due = locked.sla_breached_at = locked.escalated_at = None
    locked.save()
    changes = audit.diff(before, audit.snapshot(locked, POOL_FIELDS))
    audit.record(actor=by or "系统", action="lead.pool_in", target=locked, changes=changes)
    opportunity.refresh_from_db()
    return True


def _check_claimer(opportunity: Opportunity, user: Any, now: dt.datetime) -> Consultant:
    seat = Consultant.objects.filter(project_id=opportunity.project_id, user=user).first()
    if seat is None or not user.is_active:
        raise PermissionDenied(_("只有该项目的置业顾问可以从公海领取客户"))
    in_cooldown = opportunity.cooldown_until is not None and opportunity.cooldown_until > now
    if opportunity.previous_consultant_id == user.pk and in_cooldown:
        until = timezone.localtime(opportunity.cooldown_until).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(
            {
                "__all__": _("您是该客户的原归属顾问，冷却期内不能领取（冷却期至 %(until)s）")
                % {"until": until}
            }
        )
    return seat


@transaction.atomic
def claim(opportunity: Opportunity, *, by: Any) -> Opportunity:
    """A consultant claims a pooled opportunity; of two simultaneous claims exactly one wins."""
    now = timezone.now()
    seat = _check_claimer(opportunity, by, now)
    minutes = services.rules_of(opportunity.project).first_contact_minutes
    due = now + dt.timedelta(minutes=minutes)
    # Compare-and-set on in_pool: the UPDATE itself decides the winner on every database.
    won = Opportunity.objects.filter(pk=opportunity.pk, in_pool=True).update(
        in_pool=False, consultant_id=by.pk, team_id=seat.team_id, assigned_at=now,
        pool_reason="", sla_breached_at=None, escalated_at=None, updated_at=now,
        first_contact_due=Case(When(first_contact_at__isnull=True, then=Value(due)), default=None),
    )  # fmt: skip
    if not won:
        raise Conflict(_("该客户已被其他顾问领取"))
    Consultant.objects.filter(pk=seat.pk).update(last_assigned_at=now)
    opportunity.refresh_from_db()
    audit.record(actor=by, action="lead.pool_claim", target=opportunity, changes={
        "consultant": [None, str(by)], "in_pool": ["是", "否"],
    })  # fmt: skip
    return opportunity


def _require_assign(by: Any, opportunity: Opportunity) -> None:
    if not scopes.allows(by, Perm.LEADS_ASSIGN, opportunity):
        raise PermissionDenied(_("没有管理公海客户的权限"))


def wake_up(
    opportunities: Iterable[Opportunity], *, by: Any, to: list[User], reason: str
) -> dict[str, int]:
    """A wake-up campaign: hand the selected pooled customers to the chosen consultants in
    turn (leads.assign); the previous owner in cooldown is skipped for that customer."""
    if not to:
        raise ValidationError({"consultants": _("请选择至少一位置业顾问")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写唤醒原因")})
    done = {"assigned": 0, "skipped": 0}
    now, turn = timezone.now(), 0
    for opportunity in opportunities:
        _require_assign(by, opportunity)
        if not opportunity.in_pool:
            done["skipped"] += 1
            continue
        eligible = [u for u in to if not _cooling(opportunity, u, now)]
        if not eligible:
            done["skipped"] += 1
            continue
        target = eligible[turn % len(eligible)]
        turn += 1
        services.assign_opportunity(
            opportunity, to=target, by=by, reason=f"公海唤醒：{reason.strip()}"
        )
        done["assigned"] += 1
    return done


def _cooling(opportunity: Opportunity, user: User, now: dt.datetime) -> bool:
    cooling = opportunity.cooldown_until is not None and opportunity.cooldown_until > now
    return cooling and opportunity.previous_consultant_id == user.pk


@transaction.atomic
def release(opportunity: Opportunity, *, by: Any, reason: str) -> Opportunity:
    """Let channels report the customer again: it leaves the pool unowned, its old channel
    attribution and source protection are cleared (kept in the audit trail)."""
    _require_assign(by, opportunity)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写释放原因")})
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not locked.in_pool:
        raise Conflict(_("客户已不在公海"))
    fields = ("in_pool", "channel", "attributed_report", "source_protected_until", "stage")
    before = audit.snapshot(locked, fields)
    locked.in_pool, locked.channel, locked.attributed_report = False, None, None
    locked.source_protected_until, locked.pool_reason = None, ""
    if locked.stage in (Stage.INVALID, Stage.LOST):
        locked.stage, locked.stage_reason = Stage.NEW, ""
    locked.save()
    changes = audit.diff(before, audit.snapshot(locked, fields))
    changes["reason"] = [None, reason.strip()]
    audit.record(actor=by, action="lead.pool_release", target=locked, changes=changes)
    return locked


# --- the sweep ------------------------------------------------------------------------------


def due_for_pool(project: Project, now: dt.datetime) -> QuerySet[Opportunity]:
    """Owned opportunities of the project in a negative state, or silent for pool_idle_days."""
    rules = services.rules_of(project)
    idle_since = now - dt.timedelta(days=rules.pool_idle_days)
    negative_report = Q(attributed_report__status__in=list(NEGATIVE_REPORTS)) & Q(
        stage__in=services.OPEN_STAGES
    )
    silent = Q(stage__in=services.OPEN_STAGES, last_activity__lt=idle_since) & (
        Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=idle_since)
    )
    return (
        Opportunity.objects.filter(project=project, in_pool=False)
        .annotate(last_activity=Coalesce("last_follow_at", "assigned_at", "created_at"))
        .filter(Q(stage__in=(Stage.INVALID, Stage.LOST)) | negative_report | silent)
        .select_related("attributed_report")
    )


def pool_reason(opportunity: Opportunity, idle_days: int) -> str:
    """Why the sweep pools it, in the words of the pool page."""
    if opportunity.stage in (Stage.INVALID, Stage.LOST):
        return opportunity.get_stage_display()
    report = opportunity.attributed_report
    if report is not None and report.status in NEGATIVE_REPORTS:
        return NEGATIVE_REPORTS[report.status]
    return f"{idle_days}天未跟进"


def sweep(now: dt.datetime | None = None) -> int:
    """Pool every due opportunity of every project; each in its own transaction."""
    now = now or timezone.now()
    moved = 0
    project_ids = Opportunity.objects.filter(in_pool=False).values("project_id").distinct()
    for project in Project.objects.filter(pk__in=project_ids):
        idle = services.rules_of(project).pool_idle_days
        for opportunity in due_for_pool(project, now).iterator(chunk_size=500):
            moved += send_to_pool(opportunity, reason=pool_reason(opportunity, idle))
    return moved


@periodic(
    "leads.pool_sweep", every=dt.timedelta(hours=1), label=gettext_lazy("客户进入公海（负极唤醒）")
)
def pool_sweep_job(slot: dt.datetime) -> int:
    """Hourly: negative and silent opportunities go to the public pool."""
    return sweep()
