"""报备/判客 services end to end: the spec's acceptance scenarios and every result code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mediadesk.leads import attribution as svc
from mediadesk.leads.models import (
    ChannelRule,
    Customer,
    Deal,
    Dispute,
    FollowUp,
    Opportunity,
    Report,
    ResultCode,
    RuleSet,
    Source,
    Stage,
)
from tests.conftest import audit_actions
from tests.leads.conftest import as_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now(monkeypatch: Any, t0: dt.datetime) -> None:
    """Services read "now" from django.utils.timezone; pin it 60 days after t0."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: t0 + dt.timedelta(days=60))


def report(world: Any, by: Any, channel: Any, phone: str, at: dt.datetime, **kw: Any) -> Report:
    return svc.file_report(
        project=kw.pop("project", world.qujiang), phone=phone, channel=channel, by=by,
        reported_at=at, **kw,
    )  # fmt: skip


def visit(world: Any, phone: str, at: dt.datetime, channel: Any = None, **kw: Any) -> Any:
    return svc.record_visit(
        project=kw.pop("project", world.qujiang), phone=phone, by=world.channel, channel=channel,
        visited_at=at, **kw,
    )  # fmt: skip


# The channel manager (Role.CHANNEL in 西安) files on behalf of brokers with back-filled times.


def test_first_full_number_report_wins_in_protect_mode(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime, phone_no: str
) -> None:
    first = report(world, world.channel, agency, phone_no, t0)
    second = report(world, world.channel, agency_b, phone_no, as_of(t0, hours=1))
    assert (first.result_code, first.status) == (ResultCode.OK, Report.Status.VALID)
    assert second.result_code == ResultCode.REPORTED_BY_OTHER
    assert second.status == Report.Status.INVALID
    opp = Opportunity.objects.get(project=world.qujiang, customer__phone=phone_no)
    assert (opp.channel, opp.attributed_report, opp.source) == (
        agency,
        first,
        Source.CHANNEL_REPORT,
    )
    assert audit_actions("lead_report", first.pk) == ["lead_report.file"]


def test_a_code_0_report_stores_every_deadline_in_natural_days(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    local = dt.timezone(dt.timedelta(hours=8))
    assert r.protect_visit_until == dt.datetime(2025, 3, 10, 23, 59, 59, tzinfo=local)
    assert r.protect_deal_until == dt.datetime(2025, 4, 2, 23, 59, 59, tzinfo=local)
    assert r.intercept_until == t0 + dt.timedelta(minutes=30)


def test_24_hour_counting_and_channel_overrides(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime
) -> None:
    rule_set.day_counting = RuleSet.DayCounting.HOURS_24
    rule_set.save()
    ChannelRule.objects.create(rules=rule_set, channel=agency_b, visit_protect_days=3,
                               intercept_minutes=0)  # fmt: skip
    plain = report(world, world.channel, agency, "13511110000", t0)
    special = report(world, world.channel, agency_b, "13522220000", t0)
    assert plain.protect_visit_until == t0 + dt.timedelta(days=7)
    assert special.protect_visit_until == t0 + dt.timedelta(days=3)
    assert special.intercept_until == t0


def test_visit_ten_minutes_after_report_gets_code_3(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    v = visit(world, phone_no, as_of(t0, minutes=10))
    r.refresh_from_db()
    assert v.result_code == ResultCode.INTERCEPT and v.attributed_report is None
    assert (r.result_code, r.status, r.protecting) == (ResultCode.INTERCEPT, "invalid", False)
    assert r.closed_at == as_of(t0, minutes=10)
    assert "lead_report.judge" in audit_actions("lead_report", r.pk)


def test_intercept_contested_by_the_bringing_channel_opens_a_dispute(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    visit(world, phone_no, as_of(t0, minutes=10), channel=agency)
    dispute = Dispute.objects.get(report_a=r)
    assert dispute.kind == Dispute.Kind.INTERCEPT and dispute.suggestion == "none"


def test_visit_after_the_window_confirms_and_starts_the_deal_period(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    v = visit(world, phone_no, as_of(t0, days=2), channel=agency)
    r.refresh_from_db()
    assert (v.result_code, v.attributed_report) == (ResultCode.OK, r)
    assert (r.status, r.first_visit_at) == (Report.Status.VISITED, as_of(t0, days=2))
    assert r.protect_deal_until.date() == dt.date(2025, 4, 4)
    opp = Opportunity.objects.get(customer=v.customer, project=world.qujiang)
    assert (opp.stage, opp.last_visit_at) == (Stage.VISITED, as_of(t0, days=2))


def test_expired_visit_window_gives_7_and_another_channel_may_report(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime, phone_no: str
) -> None:
    first = report(world, world.channel, agency, phone_no, t0)
    v = visit(world, phone_no, as_of(t0, days=9), channel=agency)
    first.refresh_from_db()
    assert v.result_code == ResultCode.VISIT_OVERDUE
    assert (first.result_code, first.status) == (ResultCode.VISIT_OVERDUE, "visit_overdue")
    again = report(world, world.channel, agency_b, phone_no, as_of(t0, days=10))
    assert again.result_code == ResultCode.OK
    same = report(world, world.channel, agency, phone_no, as_of(t0, days=11))
    assert same.result_code == ResultCode.REPORTED_BY_OTHER


def test_the_expired_channel_is_cooled_down_and_a_forbidding_project_refuses_with_7(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime, phone_no: str
) -> None:
    report(world, world.channel, agency, phone_no, t0)
    own_again = report(world, world.channel, agency, phone_no, as_of(t0, days=9))
    assert own_again.result_code == ResultCode.VISIT_OVERDUE and "冷却" in own_again.reason
    rule_set.allow_negative_rereport = False
    rule_set.save()
    other = report(world, world.channel, agency_b, phone_no, as_of(t0, days=9))
    assert other.result_code == ResultCode.VISIT_OVERDUE


def test_compete_mode_first_confirmed_visit_wins(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime, phone_no: str
) -> None:
    rule_set.mode = RuleSet.Mode.COMPETE
    rule_set.save()
    a = report(world, world.channel, agency, phone_no, t0)
    b = report(world, world.channel, agency_b, phone_no, as_of(t0, hours=1))
    assert a.result_code == b.result_code == ResultCode.OK
    assert not a.protecting and not b.protecting
    v = visit(world, phone_no, as_of(t0, days=1), channel=agency_b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert v.attributed_report == b and b.status == Report.Status.VISITED
    assert (a.result_code, a.status) == (ResultCode.VISITED_BY_OTHER, "superseded")
    late = visit(world, phone_no, as_of(t0, days=2), channel=agency)
    assert late.result_code == ResultCode.VISITED_BY_OTHER and late.attributed_report == b


def test_compete_report_after_a_confirmed_visit_gets_5_and_protect_holder_blocks_4(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, online_channel: Any,
    t0: dt.datetime, phone_no: str,
) -> None:  # fmt: skip
    held = report(world, world.channel, agency, "13599990000", t0)
    rule_set.mode = RuleSet.Mode.COMPETE
    rule_set.save()
    blocked = report(world, world.channel, agency_b, "13599990000", as_of(t0, hours=1))
    assert held.mode == "protect" and blocked.result_code == ResultCode.REPORTED_BY_OTHER
    report(world, world.channel, agency, phone_no, t0)
    visit(world, phone_no, as_of(t0, days=1), channel=agency)
    late = report(world, world.channel, online_channel, phone_no, as_of(t0, days=2))
    assert late.result_code == ResultCode.VISITED_BY_OTHER


def test_masked_vs_masked_collision_opens_a_dispute(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime
) -> None:
    a = report(world, world.channel, agency, "135****5678", t0)
    b = report(world, world.channel, agency_b, "135**345678", as_of(t0, hours=2))
    assert a.result_code == b.result_code == ResultCode.OK
    assert not a.protecting and a.customer is None
    dispute = Dispute.objects.get()
    assert (dispute.kind, dispute.report_a, dispute.report_b) == ("masked", a, b)
    a.refresh_from_db()
    assert a.status == b.status == Report.Status.DISPUTED
    assert dispute.suggestion == "a"
    assert "lead_dispute.open" in audit_actions("lead_dispute", dispute.pk)


def test_a_full_visit_links_the_single_masked_report(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    masked = report(world, world.channel, agency, "135 **** 5678", t0)
    v = visit(world, phone_no, as_of(t0, days=1), channel=agency)
    masked.refresh_from_db()
    assert v.attributed_report == masked and masked.customer == v.customer


def test_masked_policy(world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime) -> None:
    rule_set.masked = RuleSet.Masked.FORBIDDEN
    rule_set.save()
    with pytest.raises(ValidationError, match="不支持隐号"):
        report(world, world.channel, agency, "135****5678", t0)
    rule_set.masked = RuleSet.Masked.ONLY
    rule_set.save()
    with pytest.raises(ValidationError, match="只接受隐号"):
        report(world, world.channel, agency, "13512345678", t0)
    assert not Report.objects.exists()


@pytest.mark.parametrize("bad", ["1351234567", "23512345678", "135***45678", "abc", ""])
def test_bad_numbers_are_refused_with_a_message(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, bad: str
) -> None:
    with pytest.raises(ValidationError) as info:
        report(world, world.channel, agency, bad, t0)
    assert "phone" in info.value.message_dict


def test_plus86_spaces_and_dashes_are_normalised(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    r = report(world, world.channel, agency, "+86 135-1234-5678", t0)
    assert r.phone == "13512345678" and r.customer.phone == "13512345678"


def test_code_9_same_channel(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    report(world, world.channel, agency, phone_no, t0)
    again = report(world, world.channel, agency, phone_no, as_of(t0, hours=3))
    assert again.result_code == ResultCode.ALREADY_YOURS


def test_code_1_group_owner_and_code_11_project_owner(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    Customer.objects.create(organisation=world.org, phone="13500000001", is_group_owner=True)
    assert report(world, world.channel, agency, "13500000001", t0).result_code == 1
    owner = Customer.objects.create(organisation=world.org, phone="13500000002")
    Opportunity.objects.create(organisation=world.org, company=world.xian, project=world.qujiang,
                               customer=owner, source=Source.WALK_IN, is_owner=True)  # fmt: skip
    assert report(world, world.channel, agency, "13500000002", t0).result_code == 11
    rule_set.old_owners = RuleSet.OldOwners.OTHER_PROJECTS
    rule_set.save()
    assert report(world, world.channel, agency, "13500000001", as_of(t0, hours=1)).result_code == 0


def _walk_in(world: Any, phone: str, t: dt.datetime, consultant: Any = None) -> Opportunity:
    customer = Customer.objects.create(organisation=world.org, phone=phone)
    opp = Opportunity.objects.create(organisation=world.org, company=world.xian,
                                     project=world.qujiang, customer=customer,
                                     source=Source.WALK_IN, consultant=consultant)  # fmt: skip
    Opportunity.objects.filter(pk=opp.pk).update(created_at=t)
    opp.refresh_from_db()
    return opp


def test_code_2_project_customer_and_code_6_consultant_following(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    _walk_in(world, "13500000003", as_of(t0, days=-1), consultant=world.sales_a)
    assert report(world, world.channel, agency, "13500000003", t0).result_code == 2
    rule_set.only_new = False
    rule_set.save()
    assert report(world, world.channel, agency, "13500000003", as_of(t0, hours=1)).result_code == 6


def test_an_idle_old_customer_may_be_reported_again(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    opp = _walk_in(world, "13500000004", as_of(t0, days=-40), consultant=world.sales_a)
    FollowUp.objects.create(opportunity=opp, by=world.sales_a, kind="call", content="回访",
                            at=as_of(t0, days=-35))  # fmt: skip
    assert report(world, world.channel, agency, "13500000004", t0).result_code == 0


def test_code_10_lost_on_site_when_negative_rereport_is_off(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    opp = _walk_in(world, "13500000005", as_of(t0, days=-1))
    opp.stage = Stage.LOST
    opp.save()
    rule_set.allow_negative_rereport = False
    rule_set.save()
    assert report(world, world.channel, agency, "13500000005", t0).result_code == 10
    rule_set.allow_negative_rereport = True
    rule_set.save()
    assert report(world, world.channel, agency, "13500000005", as_of(t0, hours=1)).result_code == 0


def test_protected_source_keeps_its_lead(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime
) -> None:
    opp = _walk_in(world, "13500000006", as_of(t0, days=-1))
    opp.source, opp.source_protected_until = Source.PHONE_APPOINTMENT, as_of(t0, days=29)
    opp.save()
    r = report(world, world.channel, agency, "13500000006", t0)
    assert r.result_code == ResultCode.PROTECTED and "受保护" in r.reason


def test_backfilled_report_is_judged_as_of_its_time(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, t0: dt.datetime, phone_no: str
) -> None:
    later = report(world, world.channel, agency, phone_no, as_of(t0, days=20))
    earlier = report(world, world.channel, agency_b, phone_no, t0)
    assert later.result_code == earlier.result_code == ResultCode.OK
    # At t0+3 days agency_b's report still protected the customer, whatever happened since.
    inside = report(world, world.channel, agency, "13512345678", as_of(t0, days=3))
    assert inside.result_code in (ResultCode.REPORTED_BY_OTHER, ResultCode.ALREADY_YOURS)
    assert inside.result_code == ResultCode.REPORTED_BY_OTHER


def test_backfilled_visit_is_judged_as_of_its_time(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    r.refresh_from_db()
    assert not r.protecting  # its 7-day window ended long before "now" (t0 + 60 days)
    v = visit(world, phone_no, as_of(t0, days=5), channel=agency)
    assert v.result_code == ResultCode.OK and v.attributed_report == r


def test_reported_at_needs_the_import_permission(
    world: Any, rule_set: RuleSet, broker: Any, agency: Any, t0: dt.datetime
) -> None:
    with pytest.raises(PermissionDenied):
        report(world, broker, agency, "13512345678", t0)
    r = svc.file_report(project=world.qujiang, phone="13512345678", channel=agency, by=broker)
    assert r.broker == broker.broker and r.reporter == broker


def test_a_broker_reports_only_for_their_channel_and_in_scope(
    world: Any, rule_set: RuleSet, broker: Any, agency_b: Any, agency: Any
) -> None:
    with pytest.raises(ValidationError):
        svc.file_report(project=world.qujiang, phone="13512345678", channel=agency_b, by=broker)
    with pytest.raises(PermissionDenied):
        svc.file_report(project=world.tianfu, phone="13512345678", channel=agency, by=broker)
    with pytest.raises(PermissionDenied):
        svc.file_report(project=world.qujiang, phone="13512345678", channel=agency,
                        by=world.sales_a)  # fmt: skip


def test_daily_report_limit(world: Any, rule_set: RuleSet, broker: Any, agency: Any) -> None:
    rule_set.daily_report_limit = 2
    rule_set.save()
    for n in ("13500000011", "13500000012"):
        svc.file_report(project=world.qujiang, phone=n, channel=agency, by=broker)
    with pytest.raises(ValidationError, match="上限"):
        svc.file_report(project=world.qujiang, phone="13500000013", channel=agency, by=broker)
    assert Report.objects.count() == 2


def test_one_trip_judges_each_project_customer_pair(
    world: Any, rule_set: RuleSet, rule_set_yj: RuleSet, agency: Any, agency_b: Any,
    t0: dt.datetime,
) -> None:  # fmt: skip
    report(world, world.channel, agency, "13500000021", t0)
    report(world, world.channel, agency_b, "13500000022", t0, project=world.yunjing)
    trip = svc.record_trip(
        by=world.channel, channel=agency, trip_at=as_of(t0, days=1),
        pairs=[(world.qujiang, "13500000021"), (world.yunjing, "13500000022"),
               (world.yunjing, "13500000021")],
    )  # fmt: skip
    codes = sorted((v.project_id, v.customer.phone, v.result_code) for v in trip.visits.all())
    assert codes == sorted([
        (world.qujiang.pk, "13500000021", ResultCode.OK),
        (world.yunjing.pk, "13500000022", ResultCode.REPORTED_BY_OTHER),
        (world.yunjing.pk, "13500000021", ResultCode.OK),
    ])  # fmt: skip


def test_deal_after_the_deal_deadline_is_8_and_in_time_ends_protection(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, seat_a: Any
) -> None:
    late = report(world, world.channel, agency, "13500000031", t0)
    visit(world, "13500000031", as_of(t0, days=1))
    opp = Opportunity.objects.get(attributed_report=late)
    opp.consultant = world.sales_a
    opp.save()
    deal = svc.record_deal(opportunity=opp, by=world.channel, stage="subscribed", unit_label="1-101",
                           amount_fen=200_000_000, at=as_of(t0, days=40))  # fmt: skip
    late.refresh_from_db()
    assert (late.result_code, late.status) == (ResultCode.DEAL_OVERDUE, "deal_overdue")
    assert deal.channel is None and deal.report is None
    ok = report(world, world.channel, agency, "13500000032", t0)
    visit(world, "13500000032", as_of(t0, days=1))
    opp2 = Opportunity.objects.get(attributed_report=ok)
    opp2.consultant = world.sales_a
    opp2.save()
    with pytest.raises(PermissionDenied):  # the consultant does not record their own deal
        svc.record_deal(opportunity=opp2, by=world.sales_a, stage="pledged", unit_label="1-102",
                        amount_fen=100, at=as_of(t0, days=5))  # fmt: skip
    deal2 = svc.record_deal(opportunity=opp2, by=world.channel, stage="pledged", unit_label="1-102",
                            amount_fen=100, at=as_of(t0, days=5))  # fmt: skip
    ok.refresh_from_db()
    assert ok.status == Report.Status.VISITED  # 认筹 is before the 认购 node
    svc.advance_deal(deal2, by=world.channel, stage="subscribed", at=as_of(t0, days=6))
    ok.refresh_from_db()
    opp2.refresh_from_db()
    assert ok.status == Report.Status.DEAL and not ok.protecting
    assert (opp2.stage, opp2.is_owner) == (Stage.SUBSCRIBED, True)
    again = report(world, world.channel, agency, "13500000032", as_of(t0, days=7))
    assert again.result_code == ResultCode.PROJECT_OWNER
    svc.cancel_deal(deal2, by=world.channel, at=as_of(t0, days=8))
    deal2.refresh_from_db()
    assert deal2.stage == Deal.Stage.CANCELLED and deal2.cancelled_at == as_of(t0, days=8)
    assert audit_actions("deal", deal2.pk) == ["deal.create", "deal.advance", "deal.cancel"]


def test_revisit_refreshes_the_deal_period(
    world: Any, rule_set: RuleSet, agency: Any, t0: dt.datetime, phone_no: str
) -> None:
    r = report(world, world.channel, agency, phone_no, t0)
    visit(world, phone_no, as_of(t0, days=1))
    visit(world, phone_no, as_of(t0, days=20))
    r.refresh_from_db()
    assert r.protect_deal_until.date() == dt.date(2025, 4, 22)
    assert r.first_visit_at == as_of(t0, days=1)


def test_rules_for_creates_defaults_once(world: Any) -> None:
    first = svc.rules_for(world.yunjing)
    assert svc.rules_for(world.yunjing).pk == first.pk
    assert (first.mode, first.visit_protect_days, first.intercept_minutes) == ("protect", 7, 30)
