"""争议判客 and 通盘通客: open, request and decide disputes; request and decide referrals.

A dispute compares claims side by side (reports, visits, follow-ups, calls); the decision
— 归属A / 归属B / 分佣 / 均无效 — rewrites the reports' states and the opportunity's
attribution in one transaction, is audited and notifies both sides after commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.core.errors import Conflict, PermissionDenied, ValidationError
from mediadesk.leads import access, notices, rules
from mediadesk.leads.attribution import in_project, prior_of, rules_for, users_with
from mediadesk.leads.models import (
    Customer,
    Dispute,
    FollowUp,
    Opportunity,
    Referral,
    Report,
    ResultCode,
    Visit,
)
from mediadesk.orgs.models import Project
from mediadesk.orgs.roles import Perm

audit.register_actions(
    {
        "lead_dispute.open": gettext_lazy("发起争议判客"),
        "lead_dispute.decide": gettext_lazy("争议裁决"),
        "lead_referral.request": gettext_lazy("申请通盘通客转介"),
        "lead_referral.decide": gettext_lazy("审核通盘通客转介"),
    }
)

DISPUTE_FIELDS = ("decision", "share_a", "reason", "decided_at")


# --- timelines and suggestions ------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of a claim's timeline on the dispute page."""

    at: dt.datetime
    kind: str
    text: str
    weight: int = 0  # 2 = a real call (真实沟通记录), 1 = a visit, 0 = other
    seconds: int = 0


def _opportunity(dispute: Dispute) -> Opportunity | None:
    if dispute.customer_id is None:
        return None
    return Opportunity.objects.filter(
        project_id=dispute.project_id, customer_id=dispute.customer_id
    ).first()


def _report_events(report: Report, customer_id: int | None) -> list[Event]:
    events = [
        Event(report.reported_at, _("报备"),
              f"{report.channel} · {_('隐号') if report.is_masked else _('全号')} {report.phone} · "
              f"{report.get_result_code_display()}")
    ]  # fmt: skip
    if report.intercept_until:
        events.append(Event(report.intercept_until, _("防截客截止"), _("此前到访不计入该报备")))
    visits = Visit.objects.filter(
        project_id=report.project_id, customer_id=customer_id or 0, channel_id=report.channel_id
    )
    for visit in visits if customer_id else []:
        events.append(Event(visit.visited_at, _("带看到访"), visit.reason, 1))
    return events


def _follow_up_events(opp: Opportunity | None, user_id: int | None) -> list[Event]:
    if opp is None or user_id is None:
        return []
    events = []
    for f in FollowUp.objects.filter(opportunity=opp, by_id=user_id).order_by("at"):
        secs = _("（通话 %(n)s 秒）") % {"n": f.call_seconds} if f.call_seconds else ""
        weight = 2 if f.call_seconds else 0
        text = f"{f.content[:60]}{secs}"
        events.append(Event(f.at, f.get_kind_display(), text, weight, f.call_seconds or 0))
    return events


def timelines(dispute: Dispute) -> tuple[list[Event], list[Event]]:
    """Both claims' timelines, oldest first: reports, visits, follow-ups and calls."""
    opp = _opportunity(dispute)
    a = _report_events(dispute.report_a, dispute.customer_id)
    a += _follow_up_events(opp, dispute.report_a.named_consultant_id)
    if dispute.report_b is not None:
        b = _report_events(dispute.report_b, dispute.customer_id)
        b += _follow_up_events(opp, dispute.report_b.named_consultant_id)
    else:
        b = _follow_up_events(opp, dispute.consultant_b_id)
    return sorted(a, key=lambda e: e.at), sorted(b, key=lambda e: e.at)


def _side(events: list[Event], report: Report | None) -> rules.Side:
    return rules.Side(
        first_at=report.reported_at if report else (events[0].at if events else None),
        masked=bool(report and report.is_masked),
        brought_visit=any(e.weight == 1 for e in events),
        call_seconds=sum(e.seconds for e in events),
        follow_ups=sum(
            1 for e in events if e.kind not in (_("报备"), _("防截客截止"), _("带看到访"))
        ),
    )


def suggestion_for(dispute: Dispute) -> tuple[str, str]:
    """The rule engine's suggested decision for a dispute, with its reason."""
    a_events, b_events = timelines(dispute)
    a, b = _side(a_events, dispute.report_a), _side(b_events, dispute.report_b)
    return rules.suggest(dispute.kind, a, b)


# --- opening ------------------------------------------------------------------------------------


def open_dispute(
    *,
    kind: str,
    report_a: Report,
    report_b: Report | None = None,
    consultant_b: Any = None,
    opened_by: Any = None,
    note: str = "",
) -> Dispute:
    """Open (or return the already open) dispute between two claims; both reports are marked
    争议中 while open. Called by the judge for collisions it cannot settle, and on request."""
    pair = Q(report_a=report_a, report_b=report_b) | Q(report_a=report_b, report_b=report_a)
    if report_b is None:
        pair = Q(report_a=report_a, report_b__isnull=True, consultant_b=consultant_b)
    existing = Dispute.objects.filter(pair, decision="").first()
    if existing is not None:
        return existing
    dispute = Dispute.objects.create(
        organisation_id=report_a.organisation_id, project_id=report_a.project_id,
        customer_id=report_a.customer_id or (report_b.customer_id if report_b else None),
        kind=kind, report_a=report_a, report_b=report_b, consultant_b=consultant_b,
        opened_by=opened_by,
    )  # fmt: skip
    dispute.suggestion, dispute.suggestion_reason = suggestion_for(dispute)
    dispute.save(update_fields=["suggestion", "suggestion_reason"])
    for report in (report_a, report_b):
        if report is not None and report.status in (Report.Status.VALID, Report.Status.VISITED):
            report.status = Report.Status.DISPUTED
            report.save(update_fields=["status"])
    changes = {"kind": dispute.get_kind_display(), "suggestion": dispute.get_suggestion_display()}
    if note:
        changes["reason"] = note
    audit.record(actor=opened_by or "系统", action="lead_dispute.open", target=dispute,
                 changes=changes)  # fmt: skip
    transaction.on_commit(partial(_notify_arbiters, dispute.pk))
    return dispute


def _notify_arbiters(dispute_id: int) -> None:
    dispute = Dispute.objects.select_related("project").get(pk=dispute_id)
    notices.notify(
        users_with(Perm.LEADS_ARBITRATE, dispute.project),
        kind="leads.dispute",
        text=lambda: (
            _("新的争议判客：%(kind)s") % {"kind": dispute.get_kind_display()},
            _("%(project)s · 系统建议：%(suggestion)s")
            % {"project": dispute.project, "suggestion": dispute.get_suggestion_display()},
        ),
        url=f"/leads/attribution/disputes/{dispute.pk}/",
        organisation=dispute.project.organisation,
    )


def request_dispute(report: Report, *, by: Any, reason: str) -> Dispute:
    """申请判客: the report's channel (or a manager) contests a refusal or a rival claim."""
    own = report.reporter_id == by.pk or (
        report.broker_id is not None and report.broker and report.broker.user_id == by.pk
    )
    if not (own or in_project(by, Perm.LEADS_ARBITRATE, report.project)):
        raise PermissionDenied(_("只能对自己的报备申请判客"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写申请理由")})
    with transaction.atomic():
        rival, consultant = _counterpart(report)
        if rival is None and consultant is None:
            raise ValidationError({"reason": _("没有与该报备冲突的渠道或顾问，无需申请判客")})
        return open_dispute(
            kind=Dispute.Kind.REQUESTED, report_a=report, report_b=rival,
            consultant_b=consultant, opened_by=by, note=reason.strip(),
        )  # fmt: skip


def _counterpart(report: Report) -> tuple[Report | None, Any]:
    """The claim a report collides with: another channel's live report, else the consultant."""
    now = timezone.now()
    rivals = Report.objects.filter(
        project_id=report.project_id, phone_prefix=report.phone_prefix,
        phone_suffix=report.phone_suffix,
    ).exclude(channel_id=report.channel_id).order_by("reported_at")  # fmt: skip
    for rival in rivals:
        if rules.matches(rival.phone, report.phone) and prior_of(rival).active_at(now):
            return rival, None
    opp = None
    if report.customer_id:
        opp = Opportunity.objects.filter(
            project_id=report.project_id, customer_id=report.customer_id
        ).first()
    if opp is not None and opp.consultant_id is not None:
        return None, opp.consultant
    return None, None


# --- deciding -----------------------------------------------------------------------------------


def decide_dispute(
    dispute: Dispute,
    *,
    by: Any,
    decision: str,
    reason: str,
    share_a: Decimal | None = None,
) -> Dispute:
    """裁决: 归属A / 归属B / 分佣 (A's share) / 均无效; reports and attribution follow."""
    if not in_project(by, Perm.LEADS_ARBITRATE, dispute.project):
        raise PermissionDenied(_("没有争议裁决权限"))
    _check_decision(dispute, decision, reason, share_a)
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if locked.decision:
            raise Conflict(_("该争议已裁决"))
        locked.decision, locked.reason = decision, reason.strip()
        locked.share_a = share_a if decision == Dispute.Decision.SPLIT else None
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save()
        _apply_decision(locked, by)
        audit.record(actor=by, action="lead_dispute.decide", target=locked,
                     changes=audit.snapshot(locked, DISPUTE_FIELDS))  # fmt: skip
        transaction.on_commit(partial(_notify_sides, locked.pk))
    return locked


def _check_decision(dispute: Dispute, decision: str, reason: str, share_a: Any) -> None:
    if decision not in Dispute.Decision.values:
        raise ValidationError({"decision": _("裁决应为归属A、归属B、分佣或均无效")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写裁决理由")})
    if decision == Dispute.Decision.SPLIT:
        if share_a is None or not Decimal("0") < Decimal(share_a) < Decimal("1"):
            raise ValidationError({"share_a": _("分佣时A方比例应在 0 与 1 之间（如 0.5）")})
        if dispute.report_b is None and dispute.consultant_b is None:
            raise ValidationError({"decision": _("只有一方时不能分佣")})
    if decision == Dispute.Decision.B and dispute.report_b is None and dispute.consultant_b is None:
        raise ValidationError({"decision": _("该争议没有B方")})


def _apply_decision(dispute: Dispute, by: Any) -> None:
    a, b = dispute.report_a, dispute.report_b
    winners: list[Report] = {
        "a": [a], "b": [b] if b else [], "split": [a, *([b] if b else [])], "none": [],
    }[dispute.decision]  # fmt: skip
    now = timezone.now()
    for report in (a, b):
        if report is not None and report not in winners:
            _lose(report, now, by)
    for report in winners:
        _win(report, now, by)
    _attribute(dispute, winners[0] if winners else None, by)


def _lose(report: Report, now: dt.datetime, by: Any) -> None:
    from mediadesk.leads.attribution import change_report

    change = rules.ReportChange(
        report.pk,
        Report.Status.INVALID,
        report.result_code,
        "争议判客：裁决不予归属",
        closed_at=now,
    )
    change_report(Report.objects.get(pk=report.pk), change, by=by)


def _win(report: Report, now: dt.datetime, by: Any) -> None:
    from mediadesk.leads.attribution import REPORT_FIELDS

    locked = Report.objects.select_for_update().get(pk=report.pk)
    before = audit.snapshot(locked, REPORT_FIELDS)
    locked.status = Report.Status.VISITED if locked.first_visit_at else Report.Status.VALID
    locked.result_code, locked.reason, locked.closed_at = (
        ResultCode.OK,
        "争议判客：裁决归属",
        None,
    )
    locked.save()
    if prior_of(locked).protects and prior_of(locked).active_at(now):
        taken = Report.objects.filter(
            project_id=locked.project_id, phone=locked.phone, protecting=True
        ).exclude(pk=locked.pk)
        if not taken.exists():
            locked.protecting = True
            locked.save(update_fields=["protecting"])
    audit.record(actor=by, action="lead_report.judge", target=locked,
                 changes=audit.diff(before, audit.snapshot(locked, REPORT_FIELDS)))  # fmt: skip


def _attribute(dispute: Dispute, winner: Report | None, by: Any) -> None:
    opp = _opportunity(dispute)
    if opp is None and winner is not None and winner.customer_id:
        from mediadesk.leads.attribution import allocate_new, opportunity_of

        customer = Customer.objects.get(pk=winner.customer_id)
        opp, created = opportunity_of(dispute.project, customer, "channel_report")
        if created:
            allocate_new(opp)
    if opp is None:
        return
    fields = ("channel", "attributed_report")
    before = audit.snapshot(opp, fields)
    opp.channel_id = winner.channel_id if winner else None
    opp.attributed_report = winner
    opp.save(update_fields=["channel", "attributed_report", "updated_at"])
    changes = audit.diff(before, audit.snapshot(opp, fields))
    if changes:
        audit.record(actor=by, action="lead_dispute.decide", target=opp, changes=changes)


def _notify_sides(dispute_id: int) -> None:
    dispute = Dispute.objects.select_related(
        "project", "report_a__reporter", "report_b__reporter", "consultant_b"
    ).get(pk=dispute_id)
    people = [dispute.report_a.reporter, dispute.consultant_b]
    if dispute.report_b is not None:
        people.append(dispute.report_b.reporter)
    notices.notify(
        people,
        kind="leads.dispute",
        text=lambda: (
            _("争议判客已裁决：%(decision)s") % {"decision": dispute.get_decision_display()},
            f"{dispute.project} · {dispute.reason[:100]}",
        ),
        url=f"/leads/attribution/disputes/{dispute.pk}/",
    )


# --- 通盘通客 referrals ---------------------------------------------------------------------------


def request_referral(
    *, customer: Customer, from_project: Project, to_project: Project, by: Any, reason: str = ""
) -> Referral:
    """转介 a customer of one project to another of the organisation; needs approval."""
    if from_project.pk == to_project.pk:
        raise ValidationError({"to_project": _("目标项目不能与原项目相同")})
    if to_project.organisation_id != customer.organisation_id:
        raise ValidationError({"to_project": _("目标项目不存在")})
    if (
        not access.visible_opportunities(by)
        .filter(project=from_project, customer=customer)
        .exists()
    ):
        raise PermissionDenied(_("只能转介自己可见的客户"))
    if Opportunity.objects.filter(project=to_project, customer=customer).exists():
        raise ValidationError({"to_project": _("客户已是目标项目的客户")})
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                organisation_id=customer.organisation_id, customer=customer,
                from_project=from_project, to_project=to_project, requested_by=by,
                keeps_channel=rules_for(to_project).referral_keeps_channel,
                reason=reason.strip()[:200],
            )  # fmt: skip
            audit.record(actor=by, action="lead_referral.request", target=referral,
                         changes={"from_project": str(from_project),
                                  "to_project": str(to_project)})  # fmt: skip
    except IntegrityError:
        raise Conflict(_("该客户已有待审核的转介")) from None
    transaction.on_commit(partial(_notify_referral_arbiters, referral.pk))
    return referral


def _notify_referral_arbiters(referral_id: int) -> None:
    referral = Referral.objects.select_related("to_project", "from_project").get(pk=referral_id)
    notices.notify(
        users_with(Perm.LEADS_ARBITRATE, referral.to_project),
        kind="leads.referral",
        text=lambda: (
            _("通盘通客转介待审核"),
            f"{referral.from_project} → {referral.to_project}",
        ),
        url="/leads/attribution/referrals/",
    )


def decide_referral(referral: Referral, *, by: Any, approve: bool, reason: str = "") -> Referral:
    """允许 / 拒绝 a referral (leads.arbitrate in the target project); approval creates the
    customer's opportunity there, keeping the original channel when the rules say so."""
    if not in_project(by, Perm.LEADS_ARBITRATE, referral.to_project):
        raise PermissionDenied(_("没有审核转介的权限"))
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.PENDING:
            raise Conflict(_("该转介已审核"))
        locked.status = Referral.Status.APPROVED if approve else Referral.Status.REJECTED
        locked.decided_by, locked.decided_at = by, timezone.now()
        if reason.strip():
            locked.reason = reason.strip()[:200]
        locked.save()
        if approve:
            _referred_opportunity(locked, by)
        audit.record(actor=by, action="lead_referral.decide", target=locked,
                     changes={"status": locked.get_status_display(), "reason": locked.reason})  # fmt: skip
        transaction.on_commit(partial(_notify_requester, locked.pk))
    return locked


def _referred_opportunity(referral: Referral, by: Any) -> Opportunity:
    origin = Opportunity.objects.filter(
        project=referral.from_project, customer=referral.customer
    ).first()
    target = referral.to_project
    if Opportunity.objects.filter(project=target, customer=referral.customer).exists():
        raise Conflict(_("客户已是目标项目的客户"))
    keep = referral.keeps_channel and origin is not None
    opp = Opportunity.objects.create(
        organisation_id=target.organisation_id, company_id=target.company_id, project=target,
        customer=referral.customer, source=origin.source if origin else "channel_report",
        channel_id=origin.channel_id if keep and origin else None,
        attributed_report_id=origin.attributed_report_id if keep and origin else None,
    )  # fmt: skip
    audit.record(actor=by, action="lead_referral.decide", target=opp,
                 changes={"channel": str(opp.channel or "")})  # fmt: skip
    return opp


def _notify_requester(referral_id: int) -> None:
    referral = Referral.objects.select_related("requested_by", "to_project").get(pk=referral_id)
    notices.notify(
        [referral.requested_by],
        kind="leads.referral",
        text=lambda: (
            _("转介%(status)s：%(project)s")
            % {"status": referral.get_status_display(), "project": referral.to_project},
            referral.reason,
        ),
        url="/leads/attribution/referrals/",
    )
