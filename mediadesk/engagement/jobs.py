"""Periodic jobs: SLA breaches and escalation, webhook events left unprocessed, spikes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.core.periodic import periodic
from mediadesk.engagement import opinion, rules
from mediadesk.engagement.models import Message, ServiceSeat, WebhookEvent
from mediadesk.notifications import services as notifications
from mediadesk.orgs.models import RoleGrant, User
from mediadesk.orgs.roles import Role


def _open() -> Any:
    return Message.objects.filter(is_open=True, first_response_at__isnull=True)


def supervisors(message: Message) -> list[User]:
    """The assignee's supervisor from their seat, else the organisation's managers in scope."""
    if message.assignee_id:
        seat = ServiceSeat.objects.filter(organisation_id=message.organisation_id, user_id=message.assignee_id).exclude(supervisor=None).first()  # fmt: skip
        if seat is not None and seat.supervisor is not None:
            return [seat.supervisor]
    scope = Q(company=None, project=None)
    if message.company_id:
        scope |= Q(company_id=message.company_id, project=None)
    grants = RoleGrant.objects.filter(scope, organisation_id=message.organisation_id, role=Role.MANAGER)  # fmt: skip
    return list(User.objects.filter(pk__in=grants.values("user_id"), is_active=True))


def _url(message: Message) -> str:
    return f"/engagement/messages/{message.pk}/"


@transaction.atomic
def flag_breach(message: Message, now: dt.datetime) -> bool:
    """Mark an overdue message (compare-and-set) and tell its assignee and supervisor."""
    if not _open().filter(pk=message.pk, sla_breached_at__isnull=True).update(sla_breached_at=now):
        return False
    message.refresh_from_db()
    audit.record(actor="系统", action="message.sla_breach", target=message, changes={"sla_breached_at": [None, now], "due_at": [None, message.due_at]})  # fmt: skip
    title = _("互动消息回复超时：%(p)s %(t)s") % {
        "p": message.platform.name,
        "t": message.text[:30],
    }
    people = [message.assignee, *supervisors(message)]
    notifications.notify(people, kind="engagement.sla", title=title, body=_("截止 %(d)s，请立即回复") % {"d": timezone.localtime(message.due_at).strftime("%H:%M")}, url=_url(message))  # fmt: skip
    return True


@transaction.atomic
def escalate(message: Message, now: dt.datetime) -> bool:
    """Still unanswered well after the breach: the group robot is told."""
    if not _open().filter(pk=message.pk, escalated_at__isnull=True).update(escalated_at=now):
        return False
    message.refresh_from_db()
    audit.record(actor="系统", action="message.sla_escalate", target=message, changes={"escalated_at": [None, now]})  # fmt: skip
    title = _("【互动超时升级】%(p)s 消息超时未回复") % {"p": message.platform.name}
    notifications.notify(supervisors(message), kind="engagement.sla", title=title, body=message.text[:100], url=_url(message), organisation=message.organisation)  # fmt: skip
    return True


def check_slas(now: dt.datetime) -> tuple[int, int]:
    """Flag every overdue message, then escalate those breached long enough ago."""
    flagged = sum(flag_breach(m, now) for m in _open().filter(due_at__lt=now, sla_breached_at__isnull=True).select_related("platform")[:2000])  # fmt: skip
    escalated = 0
    for m in _open().filter(sla_breached_at__isnull=False, escalated_at__isnull=True).select_related("platform")[:2000]:  # fmt: skip
        window = int((m.due_at - m.received_at).total_seconds() // 60) if m.due_at else 120
        if m.due_at and now >= m.due_at + rules.escalation_delay(window):
            escalated += escalate(m, now)
    return flagged, escalated


@periodic(
    "engagement.sla_breaches",
    every=dt.timedelta(minutes=1),
    label=gettext_lazy("互动消息回复超时检查"),
)
def run_sla_check(slot: dt.datetime) -> tuple[int, int]:
    return check_slas(timezone.now())


@periodic(
    "engagement.webhook_events",
    every=dt.timedelta(minutes=1),
    label=gettext_lazy("补处理互动回调事件"),
)
def run_pending_events(slot: dt.datetime) -> int:
    from mediadesk.engagement import webhooks

    pending = WebhookEvent.objects.filter(processed_at__isnull=True).order_by("id")[:500]
    return sum(webhooks.process(event.pk) for event in pending)


@periodic(
    "engagement.opinion_spikes",
    every=dt.timedelta(minutes=1),
    label=gettext_lazy("舆情声量突增检测"),
)
def run_spike_pass(slot: dt.datetime) -> int:
    return opinion.spike_pass(timezone.now())


@periodic(
    "engagement.weibo_pull", every=dt.timedelta(minutes=5), label=gettext_lazy("拉取微博评论")
)
def run_weibo_pull(slot: dt.datetime) -> int:
    from mediadesk.engagement import weibo

    return weibo.pull_all(slot)
