"""The first-contact SLA: an assigned lead must be contacted within the project's
first_contact_minutes. Overdue → flagged and the consultant notified; one more interval →
the supervisor is told and, when the project says so, the lead is reassigned (audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, phone
from mediadesk.core.periodic import periodic
from mediadesk.leads import notices, services
from mediadesk.leads.models import Opportunity, RuleSet

AUTO_REASSIGN = "首次联系超时自动改派"


def _open() -> Any:
    """Assigned, not yet contacted, not pooled: the partial index opp_sla_open serves this."""
    return Opportunity.objects.filter(
        first_contact_at__isnull=True, first_contact_due__isnull=False, in_pool=False
    ).exclude(consultant=None)


def _url(opportunity: Opportunity) -> str:
    return f"/leads/customers/{opportunity.customer_id}/"


@transaction.atomic
def flag_breach(opportunity: Opportunity, now: dt.datetime) -> bool:
    """Mark one overdue lead and tell its consultant (compare-and-set on sla_breached_at)."""
    if (
        not _open()
        .filter(pk=opportunity.pk, sla_breached_at__isnull=True)
        .update(sla_breached_at=now)
    ):
        return False
    opportunity.refresh_from_db()
    audit.record(actor="系统", action="lead.sla_breach", target=opportunity, changes={
        "sla_breached_at": [None, now], "consultant": [None, str(opportunity.consultant)],
    })  # fmt: skip
    masked = phone.mask(opportunity.customer.phone)
    notices.notify(
        [opportunity.consultant],
        kind="lead.sla",
        text=lambda: (
            _("首次联系已超时：%(customer)s（%(project)s）")
            % {"customer": opportunity.customer, "project": opportunity.project},
            _("客户 %(phone)s 尚未联系，请立即跟进") % {"phone": masked},
        ),
        url=_url(opportunity),
    )
    return True


@transaction.atomic
def escalate(opportunity: Opportunity, now: dt.datetime, rules: RuleSet) -> bool:
    """Tell the supervisor; reassign automatically when the project's rules say so."""
    if not _open().filter(pk=opportunity.pk, escalated_at__isnull=True).update(escalated_at=now):
        return False
    opportunity.refresh_from_db()
    late = opportunity.consultant
    audit.record(actor="系统", action="lead.sla_escalate", target=opportunity, changes={
        "escalated_at": [None, now], "consultant": [None, str(late)],
    })  # fmt: skip
    supervisor = opportunity.team.supervisor if opportunity.team is not None else None
    reassigned = None
    if rules.sla_auto_reassign:
        reassigned = services.allocate(
            opportunity, exclude={opportunity.consultant_id or 0}, reason=AUTO_REASSIGN
        )
    masked = phone.mask(opportunity.customer.phone)

    def text() -> tuple[str, str]:
        title = _("首次联系超时：%(customer)s（顾问 %(consultant)s）") % {
            "customer": opportunity.customer,
            "consultant": late,
        }
        body = _("客户 %(phone)s 超时未联系") % {"phone": masked}
        if reassigned:
            body += _("，已自动改派给 %(user)s") % {"user": reassigned}
        return title, body

    notices.notify(
        [supervisor] if supervisor else [],
        kind="lead.sla_escalated",
        text=text,
        url=_url(opportunity),
        organisation=opportunity.organisation,
    )
    return True


def check(now: dt.datetime | None = None) -> dict[str, int]:
    """One SLA pass over every open lead that is past its first-contact deadline."""
    now = now or timezone.now()
    counts = {"flagged": 0, "escalated": 0}
    rules_cache: dict[int, RuleSet] = {}
    overdue = _open().filter(first_contact_due__lte=now).select_related("project", "team")
    for opportunity in overdue.iterator(chunk_size=500):
        rules = rules_cache.setdefault(
            opportunity.project_id, services.rules_of(opportunity.project)
        )
        if opportunity.sla_breached_at is None:
            counts["flagged"] += flag_breach(opportunity, now)
            continue
        second = opportunity.sla_breached_at + dt.timedelta(minutes=rules.first_contact_minutes)
        if opportunity.escalated_at is None and second <= now:
            counts["escalated"] += escalate(opportunity, now, rules)
    return counts


@periodic(
    "leads.sla_check", every=dt.timedelta(minutes=5), label=gettext_lazy("客资首次联系超时检查")
)
def sla_job(slot: dt.datetime) -> dict[str, int]:
    """Every five minutes: flag, notify, escalate and reassign overdue first contacts."""
    return check()
