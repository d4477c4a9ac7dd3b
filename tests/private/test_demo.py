"""The private-domain demo: every stage, a synced WeCom employee with contacts and a group,
a segment, a wake-up plan with results, and 复购率 equal to the hand count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mediadesk.orgs import demo
from mediadesk.private import queries
from mediadesk.private.demo import REPURCHASE
from mediadesk.private.models import Group, Member, Segment, WakeUpPlan, WeComFollow

pytestmark = pytest.mark.django_db


def test_demo_every_stage_wecom_segment_wakeup_and_repurchase() -> None:
    demo.load()
    member = Member.objects.get(phone="13912340005")
    org = member.organisation
    stages = set(Member.objects.filter(organisation=org).values_list("stage", flat=True))
    assert stages == {"aware", "interest", "purchase", "loyal"}
    assert member.stage == "loyal"
    assert WeComFollow.objects.filter(organisation=org, userid="zhoumanager").count() == 3
    assert Group.objects.get(organisation=org).memberships.count() == 2
    assert Segment.objects.filter(organisation=org).count() == 2
    rate = queries.figures(org, timezone.localdate())["repurchase_rate"]
    assert (rate["numerator"], rate["denominator"]) == REPURCHASE == (2, 10)
    plan = WakeUpPlan.objects.get(organisation=org)
    assert (plan.targets.count(), plan.targets.filter(woken=True).count()) == (3, 1)
    before = Member.objects.count()
    demo.load()
    assert Member.objects.count() == before
    again = queries.figures(org, timezone.localdate())["repurchase_rate"]
    assert (again["numerator"], again["denominator"]) == (2, 10)
