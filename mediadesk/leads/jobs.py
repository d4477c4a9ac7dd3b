"""Periodic attribution work: mark reports 到访逾期 / 成交逾期 once their deadline passes, and
remind channels N days before a protection period ends."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic
from mediadesk.leads import notices, rules
from mediadesk.leads.attribution import change_report, prior_of
from mediadesk.leads.models import Report, RuleSet

BATCH = 500


def overdue_reports(now: dt.datetime) -> Q:
    """Open reports whose current deadline has passed."""
    not_visited = Q(first_visit_at__isnull=True, protect_visit_until__lt=now)
    visited = Q(first_visit_at__isnull=False, protect_deal_until__lt=now)
    return Q(status__in=rules.OPEN_STATUSES, closed_at__isnull=True) & (not_visited | visited)


def mark_overdue(now: dt.datetime) -> int:
    """到访逾期 (7) / 成交逾期 (8) for every open report past its deadline; returns the count."""
    ids = list(Report.objects.filter(overdue_reports(now)).values_list("pk", flat=True)[:BATCH])
    done = 0
    for pk in ids:
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            prior = prior_of(report)
            code = prior.expiry_at(now)
            if code is None or report.status not in rules.OPEN_STATUSES:
                continue
            status = (
                Report.Status.DEAL_OVERDUE
                if code == rules.ResultCode.DEAL_OVERDUE
                else Report.Status.VISIT_OVERDUE
            )
            label = rules.source_label(code)
            change = rules.ReportChange(pk, status, code, label, closed_at=prior.until(now))
            change_report(report, change, by="系统")
            done += 1
    return done


def remind_ending(now: dt.datetime) -> int:
    """Tell the reporter once, `remind_days_before` days before the protection in force ends."""
    sent = 0
    for rule_set in RuleSet.objects.filter(remind_days_before__gt=0).select_related("project"):
        horizon = now + timedelta(days=rule_set.remind_days_before)
        due = Report.objects.filter(
            Q(first_visit_at__isnull=True, protect_visit_until__range=(now, horizon))
            | Q(first_visit_at__isnull=False, protect_deal_until__range=(now, horizon)),
            project_id=rule_set.project_id,
            status__in=rules.OPEN_STATUSES,
            remind_sent_at__isnull=True,
        ).select_related("reporter")
        for report in due[:BATCH]:
            until = prior_of(report).until(now)
            notices.notify(
                [report.reporter],
                kind="leads.protection_ending",
                text=partial(_protection_text, report, rule_set, until),
                url=f"/leads/attribution/reports/{report.pk}/",
            )
            Report.objects.filter(pk=report.pk).update(remind_sent_at=now)
            sent += 1
    return sent


@periodic(
    "leads.attribution_overdue",
    every=timedelta(minutes=10),
    label=gettext_lazy("标记到访/成交逾期报备"),
)
def attribution_overdue(slot: dt.datetime) -> int:
    return mark_overdue(slot)


def _protection_text(report: Report, rule_set: Any, until: Any) -> tuple[str, str]:
    kind = _("成交保护期") if report.first_visit_at else _("到访保护期")
    masked = f"{report.phone[:3]}****{report.phone[-4:]}"
    title = _("%(kind)s即将结束：%(phone)s") % {"kind": kind, "phone": masked}
    body = ""
    if until:
        body = _("%(project)s · 截至 %(until)s") % {
            "project": rule_set.project,
            "until": f"{until:%Y-%m-%d %H:%M}",
        }
    return title, body


@periodic(
    "leads.protection_reminders", every=timedelta(hours=1), label=gettext_lazy("报备保护期结束提醒")
)
def protection_reminders(slot: dt.datetime) -> int:
    return remind_ending(slot)
