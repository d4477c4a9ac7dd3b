"""Background work: callback processing and the nightly stage/silent pass."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic
from mediadesk.private import wecom
from mediadesk.private.models import (
    STAGE_ORDER,
    CallbackEvent,
    Event,
    Member,
    WakeUpPlan,
    WakeUpTarget,
)

log = logging.getLogger(__name__)


def process_callback(pk: int) -> bool:
    """Process one stored callback (idempotent: processed ones are skipped). A failure (e.g.
    WeCom unreachable) is logged and leaves it unprocessed for `retry_callbacks`."""
    cb = CallbackEvent.objects.filter(pk=pk, processed_at=None).first()
    if cb is None:
        return False
    try:
        wecom.process(cb)
    except Exception:
        log.exception("WeCom callback %s not processed yet", pk)
        return False
    return True


def retry_callbacks(slot: dt.datetime) -> int:
    """Callbacks stored but not processed (WeCom was down, a worker died): process them now."""
    stale = CallbackEvent.objects.filter(
        processed_at=None, received_at__lt=slot - timedelta(minutes=1)
    ).values_list("pk", flat=True)
    return sum(int(process_callback(pk)) for pk in list(stale[:1000]))


def enter_silent(plan: WakeUpPlan, now: dt.datetime) -> int:
    """Put members silent for the plan's N days into it (once)."""
    cut = now - timedelta(days=plan.silent_days)
    silent = Member.objects.filter(
        organisation_id=plan.organisation_id, merged_into=None, erased_at=None
    ).filter(Q(last_active_at__lt=cut) | Q(last_active_at=None, created_at__lt=cut))
    ids = silent.exclude(pk__in=plan.targets.values("member")).values_list("pk", flat=True)
    by_task = plan.channel == WakeUpPlan.Channel.TASK
    reached = now if by_task else None
    made = WakeUpTarget.objects.bulk_create(
        (
            WakeUpTarget(plan=plan, member_id=pk, entered_at=now, reached_at=reached)
            for pk in ids.iterator(chunk_size=5000)
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    # the members who entered now, as a subquery: a big plan's ids would pass the database's
    # limit of bound parameters (SQLite: 32,766)
    entered = plan.targets.filter(entered_at=now).values("member")
    if made and by_task:
        _task_owners(plan, entered)
    elif made:
        _mass_wake_up(plan, entered, now)
    return len(made)


def _mass_wake_up(plan: WakeUpPlan, member_ids: Any, now: dt.datetime) -> None:
    """Channel 群发: members the 群发 went to count as reached (those at a limit do not)."""
    from mediadesk.private import mass

    try:
        reached = mass.wake_up(plan, member_ids)
    except Exception:  # WeCom down or refusing: the members stay in the plan, unreached
        log.exception("wake-up 群发 of plan %s not sent", plan.pk)
        return
    for start in range(0, len(reached), 5000):
        chunk = reached[start : start + 5000]
        WakeUpTarget.objects.filter(plan=plan, member_id__in=chunk).update(reached_at=now)


def _task_owners(plan: WakeUpPlan, member_ids: Any) -> None:
    """Channel 顾问一对一: each owning consultant gets one task (notification) for the plan."""
    from django.contrib.auth import get_user_model

    from mediadesk.notifications.services import notify

    counts = (
        Member.objects.filter(pk__in=member_ids)
        .exclude(owner=None)
        .values("owner")
        .annotate(n=Count("id"))
    )
    users = get_user_model().objects.in_bulk([c["owner"] for c in counts])
    for c in counts:
        notify(
            [users[c["owner"]]],
            kind="private.wakeup",
            title=str(
                _("唤醒计划「%(plan)s」：%(n)s 位沉默客户待一对一跟进")
                % {"plan": plan.name, "n": c["n"]}
            ),
            body=plan.content,
            url=f"/private/?silent_days={plan.silent_days}",
        )


def score_responses(plan: WakeUpPlan) -> int:
    """A target active within the window after entering counts as responded and woken."""
    woken = 0
    for t in plan.targets.filter(responded_at=None).select_related("member"):
        end = t.entered_at + timedelta(days=plan.window_days)
        hit = (
            Event.objects.filter(member=t.member, at__gt=t.entered_at, at__lte=end)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if hit:
            t.responded_at, t.woken = hit, [s.value for s in STAGE_ORDER].index(t.member.stage) >= 1
            t.save(update_fields=["responded_at", "woken"])
            woken += int(t.woken)
    return woken


def restage_recent(slot: dt.datetime) -> int:
    """Restage members with events in the last day (catches rule edits and late events)."""
    from mediadesk.private.services import recompute_many

    since = slot - timedelta(days=1)
    ids = list(
        Event.objects.filter(at__gte=since, member__merged_into=None)
        .values_list("member_id", flat=True)
        .distinct()
    )
    moved = 0
    for start in range(0, len(ids), 1000):
        chunk = list(Member.objects.filter(pk__in=ids[start : start + 1000]))
        moved += recompute_many(chunk)
    return moved


def restage_after_rule_edits() -> int:
    """Every member of an organisation whose lifecycle rules were edited is restaged once."""
    from mediadesk.private.models import LifecycleRules
    from mediadesk.private.services import restage_all

    moved = 0
    for edited in LifecycleRules.objects.exclude(restage_requested_at=None).select_related(
        "organisation"
    ):
        moved += restage_all(edited.organisation)
        edited.restage_requested_at = None
        edited.save(update_fields=["restage_requested_at"])
    return moved


@periodic(
    "private.nightly", every=timedelta(days=1), label=gettext_lazy("私域：沉默用户与唤醒结果")
)
def nightly(slot: dt.datetime) -> int:
    """The nightly pass: members into wake-up plans, responses scored."""
    n = restage_recent(slot) + restage_after_rule_edits()
    for plan in WakeUpPlan.objects.all():
        n += enter_silent(plan, slot) + score_responses(plan)
    return n


def now() -> dt.datetime:
    return timezone.now()


def remind_unsent(send: Any, slot: dt.datetime) -> int:
    """A 群发 not confirmed 24 h after creation: remind the employee (WeCom allows 3 a day)."""
    from mediadesk.core.errors import Conflict
    from mediadesk.private import mass

    if send.status != "created" or send.created_at > slot - timedelta(hours=24):
        return 0
    last = max((dt.datetime.fromisoformat(t) for t in send.reminders), default=None)
    if last and last > slot - timedelta(hours=8):
        return 0
    try:
        mass.remind(send, by=None, now=slot)
    except Conflict:
        return 0
    return 1


@periodic(
    "private.wecom", every=timedelta(hours=1), label=gettext_lazy("私域：企业微信同步与群发结果")
)
def wecom_hourly(slot: dt.datetime) -> int:
    """Sync each configured WeCom corp and pull the results of 群发 of the last 7 days."""
    from mediadesk.private import mass, sync
    from mediadesk.private.models import MassSend, WeComSettings

    n = retry_callbacks(slot)
    for cfg in WeComSettings.objects.all():
        try:
            n += sum(sync.sync_all(cfg).values())
            recent = MassSend.objects.filter(
                organisation_id=cfg.organisation_id, created_at__gte=slot - timedelta(days=7)
            )
            for send in recent:
                mass.pull(send)
                n += 1 + remind_unsent(send, slot)
        except wecom.WeComError:
            continue  # one corp's error (e.g. a revoked secret) does not stop the others
    return n
