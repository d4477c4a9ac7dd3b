"""争议判客 decisions, 通盘通客 referrals and the periodic overdue/reminder jobs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mediadesk.core.errors import Conflict
from mediadesk.leads import arbitration, attribution, jobs
from mediadesk.leads.models import (
    Customer,
    Dispute,
    FollowUp,
    Opportunity,
    Referral,
    Report,
    ResultCode,
    RuleSet,
    Source,
)
from mediadesk.notifications.models import Notification
from tests.conftest import audit_actions
from tests.leads.conftest import as_of

pytestmark = pytest.mark.django_db


def _masked_dispute(world: Any, agency: Any, agency_b: Any, t0: dt.datetime) -> Dispute:
    for channel, phone, hours in ((agency, "135****5678", 0), (agency_b, "135**345678", 1)):
        attribution.file_report(project=world.qujiang, phone=phone, channel=channel,
                                by=world.channel, reported_at=as_of(t0, hours=hours))  # fmt: skip
    return Dispute.objects.get()


def test_decision_b_moves_attribution_audits_and_notifies_both_sides(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    dispute = _masked_dispute(world, agency, agency_b, t0)
    attribution.record_visit(project=world.qujiang, phone="13512345678", by=world.channel,
                             visited_at=as_of(t0, days=1))  # fmt: skip
    with pytest.raises(PermissionDenied):
        arbitration.decide_dispute(dispute, by=world.sales_a, decision="b", reason="x")
    with pytest.raises(ValidationError):
        arbitration.decide_dispute(dispute, by=world.channel, decision="b", reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        arbitration.decide_dispute(dispute, by=world.channel, decision="b", reason="B方带客到访")
    dispute.refresh_from_db()
    a, b = dispute.report_a, dispute.report_b
    a.refresh_from_db()
    b.refresh_from_db()
    assert (dispute.decision, dispute.decided_by) == ("b", world.channel)
    assert a.status == Report.Status.INVALID and b.status in ("valid", "visited")
    opp = Opportunity.objects.get(project=world.qujiang, customer__phone="13512345678")
    assert (opp.channel, opp.attributed_report) == (agency_b, b)
    assert audit_actions("lead_dispute", dispute.pk) == ["lead_dispute.open", "lead_dispute.decide"]
    assert Notification.objects.filter(kind="leads.dispute", title__contains="已裁决").count() == 1
    with pytest.raises(Conflict):
        arbitration.decide_dispute(dispute, by=world.channel, decision="a", reason="改判")


def test_split_needs_a_share_and_none_invalidates_both(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime
) -> None:
    dispute = _masked_dispute(world, agency, agency_b, t0)
    with pytest.raises(ValidationError):
        arbitration.decide_dispute(dispute, by=world.channel, decision="split", reason="各半")
    arbitration.decide_dispute(dispute, by=world.channel, decision="split", reason="各半",
                               share_a=Decimal("0.5"))  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.share_a == Decimal("0.500")
    assert set(Report.objects.values_list("status", flat=True)) == {"valid"}


def test_consultant_earlier_call_opens_a_dispute_suggesting_the_consultant(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    report = attribution.file_report(project=world.qujiang, phone=phone_no, channel=agency,
                                     by=world.channel, reported_at=t0)  # fmt: skip
    opp = Opportunity.objects.get(attributed_report=report)
    opp.consultant = world.sales_a
    opp.save()
    FollowUp.objects.create(opportunity=opp, by=world.sales_a, kind="call", content="客户来电咨询",
                            at=as_of(t0, days=-2), call_seconds=240)  # fmt: skip
    attribution.record_visit(project=world.qujiang, phone=phone_no, by=world.channel,
                             channel=agency, visited_at=as_of(t0, days=1))  # fmt: skip
    dispute = Dispute.objects.get(kind=Dispute.Kind.CONSULTANT)
    assert (dispute.report_a, dispute.consultant_b, dispute.suggestion) == (
        report,
        world.sales_a,
        "b",
    )
    left, right = arbitration.timelines(dispute)
    assert any(e.kind == "报备" for e in left) and any(e.seconds == 240 for e in right)
    arbitration.decide_dispute(dispute, by=world.channel, decision="b", reason="顾问先接触")
    opp.refresh_from_db()
    assert opp.channel is None and opp.attributed_report is None


def test_a_refused_channel_may_request_a_dispute(
    world: Any, rule_set: RuleSet, broker: Any, broker_b: Any, agency: Any, agency_b: Any,
    phone_no: str,
) -> None:  # fmt: skip
    attribution.file_report(project=world.qujiang, phone=phone_no, channel=agency, by=broker)
    refused = attribution.file_report(project=world.qujiang, phone=phone_no, channel=agency_b,
                                      by=broker_b)  # fmt: skip
    assert refused.result_code == ResultCode.REPORTED_BY_OTHER
    with pytest.raises(PermissionDenied):
        arbitration.request_dispute(refused, by=broker, reason="我先带看")
    dispute = arbitration.request_dispute(refused, by=broker_b, reason="客户是我们先带看的")
    assert dispute.kind == Dispute.Kind.REQUESTED and dispute.report_b.channel == agency


def test_referral_needs_approval_and_keeps_the_channel(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    attribution.file_report(project=world.qujiang, phone=phone_no, channel=agency,
                            by=world.channel, reported_at=t0)  # fmt: skip
    customer = Customer.objects.get(phone=phone_no)
    referral = arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                            to_project=world.yunjing, by=world.channel)  # fmt: skip
    assert referral.status == Referral.Status.PENDING
    assert not Opportunity.objects.filter(project=world.yunjing).exists()
    with pytest.raises(Conflict):
        arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                     to_project=world.yunjing, by=world.channel)  # fmt: skip
    with pytest.raises(PermissionDenied):
        arbitration.decide_referral(referral, by=world.sales_b, approve=True)
    arbitration.decide_referral(referral, by=world.channel, approve=True, reason="客户意向云境")
    opp = Opportunity.objects.get(project=world.yunjing, customer=customer)
    assert opp.channel == agency
    assert audit_actions("lead_referral", referral.pk) == [
        "lead_referral.request", "lead_referral.decide",
    ]  # fmt: skip


def test_rejected_referral_creates_nothing_and_keeps_channel_off(
    world: Any, rule_set: RuleSet, agency: Any, phone_no: str
) -> None:
    customer = Customer.objects.create(organisation=world.org, phone=phone_no)
    Opportunity.objects.create(organisation=world.org, company=world.xian, project=world.qujiang,
                               customer=customer, source=Source.WALK_IN, channel=agency)  # fmt: skip
    yj = attribution.rules_for(world.yunjing)
    yj.referral_keeps_channel = False
    yj.save()
    with pytest.raises(PermissionDenied):
        arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                     to_project=world.yunjing, by=world.sales_b)  # fmt: skip
    first = arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                         to_project=world.yunjing, by=world.channel)  # fmt: skip
    arbitration.decide_referral(first, by=world.channel, approve=False)
    assert not Opportunity.objects.filter(project=world.yunjing).exists()
    second = arbitration.request_referral(customer=customer, from_project=world.qujiang,
                                          to_project=world.yunjing, by=world.channel)  # fmt: skip
    arbitration.decide_referral(second, by=world.channel, approve=True)
    assert Opportunity.objects.get(project=world.yunjing, customer=customer).channel is None


def test_job_marks_overdue_and_reminds_once(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, monkeypatch: Any
) -> None:
    now = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    clock = [now]
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock[0])
    late = attribution.file_report(project=world.qujiang, phone="13500000001", channel=agency,
                                   by=world.channel)  # fmt: skip
    soon = attribution.file_report(project=world.qujiang, phone="13500000002", channel=agency_b,
                                   by=world.channel)  # fmt: skip
    assert jobs.remind_ending(now + dt.timedelta(days=4)) == 0
    assert jobs.remind_ending(now + dt.timedelta(days=6)) == 2
    assert jobs.remind_ending(now + dt.timedelta(days=6, hours=1)) == 0
    assert Notification.objects.filter(kind="leads.protection_ending").count() == 2
    clock[0] = now + dt.timedelta(days=1)
    attribution.record_visit(project=world.qujiang, phone="13500000002", by=world.channel)
    assert jobs.mark_overdue(now + dt.timedelta(days=9)) == 1
    late.refresh_from_db()
    soon.refresh_from_db()
    assert (late.status, late.result_code, late.protecting) == ("visit_overdue", 7, False)
    assert late.closed_at == late.protect_visit_until
    assert soon.status == "visited"
    assert jobs.mark_overdue(now + dt.timedelta(days=40)) == 1
    soon.refresh_from_db()
    assert (soon.status, soon.result_code) == ("deal_overdue", 8)
    assert "lead_report.judge" in audit_actions("lead_report", late.pk)
