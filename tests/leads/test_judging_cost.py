"""Judging stays cheap (spec "Speed": < 20 ms p95 at 1,000,000 customers / 3,000,000
reports): file_report runs a fixed, small number of queries however many earlier reports,
opportunities and deals the number has — no per-row queries — and opportunities that a
report or a visit creates are allocated like captured leads."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediadesk.leads import attribution as svc
from mediadesk.leads.models import AllocationRule, Opportunity, ResultCode, RuleSet, Source
from tests.conftest import audit_actions

pytestmark = pytest.mark.django_db

# A new number that creates its customer and opportunity and allocates it to a seat.
# with the caller's role grants, the reporter lock, the allocation and both notifications
MAX_QUERIES_NEW = 36


def _queries_of_report(world: Any, channel: Any, phone: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        svc.file_report(project=world.qujiang, phone=phone, channel=channel, by=world.channel)
    return len(ctx.captured_queries)


def test_filing_a_new_number_is_a_bounded_number_of_queries(
    world: Any, rule_set: RuleSet, agency: Any, seat_a: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(MAX_QUERIES_NEW):
        report = svc.file_report(
            project=world.qujiang, phone="13900000001", channel=agency, by=world.channel
        )
    assert report.result_code == ResultCode.OK


def test_history_of_the_number_adds_no_queries(
    world: Any, rule_set: RuleSet, agency: Any, agency_b: Any, seat_a: Any
) -> None:
    """The same judgement with one earlier report and with six earlier reports, masked
    rivals and an opportunity costs the same number of queries."""
    rule_set.daily_report_limit = 100
    rule_set.save()
    svc.file_report(project=world.qujiang, phone="13900000002", channel=agency, by=world.channel)
    few = _queries_of_report(world, agency_b, "13900000002")
    for pattern in ("139****0003", "139**000003", "13900000003", "139****0003"):
        svc.file_report(project=world.qujiang, phone=pattern, channel=agency, by=world.channel)
    svc.file_report(project=world.qujiang, phone="13900000003", channel=agency_b, by=world.channel)
    many = _queries_of_report(world, agency_b, "13900000003")
    assert many == few


def test_a_report_opportunity_is_allocated_by_the_project_rules(
    world: Any, rule_set: RuleSet, agency: Any, seat_a: Any
) -> None:
    report = svc.file_report(
        project=world.qujiang, phone="13900000004", channel=agency, by=world.channel
    )
    opp = Opportunity.objects.get(project=world.qujiang, customer=report.customer)
    assert (opp.consultant_id, opp.source, opp.channel_id) == (
        world.sales_a.pk, Source.CHANNEL_REPORT, agency.pk,
    )  # fmt: skip
    assert opp.first_contact_due is not None  # the SLA clock runs as for a captured lead
    assert {"lead_report.file", "lead.assign"} <= set(audit_actions("opportunity", opp.pk))


def test_a_manual_project_leaves_the_report_opportunity_unassigned(
    world: Any, rule_set: RuleSet, agency: Any, seat_a: Any
) -> None:
    AllocationRule.objects.create(project=world.qujiang, source="", strategy="manual")
    report = svc.file_report(
        project=world.qujiang, phone="13900000005", channel=agency, by=world.channel
    )
    opp = Opportunity.objects.get(project=world.qujiang, customer=report.customer)
    assert opp.consultant_id is None
    assert "lead.unassigned" in audit_actions("opportunity", opp.pk)


def test_a_walk_in_visit_opportunity_is_allocated(
    world: Any, rule_set: RuleSet, seat_a: Any
) -> None:
    visit = svc.record_visit(project=world.qujiang, phone="13900000006", by=world.channel)
    opp = Opportunity.objects.get(project=world.qujiang, customer=visit.customer)
    assert (opp.source, opp.consultant_id) == (Source.WALK_IN, world.sales_a.pk)
    assert "lead.assign" in audit_actions("opportunity", opp.pk)
