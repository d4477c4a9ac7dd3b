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
    from mediadesk.private.models import Activity, BenefitTier, WelcomeMessage

    assert Activity.objects.get(organisation=org).signups.exclude(attended_at=None).count() == 1
    assert BenefitTier.objects.filter(organisation=org).exists()
    assert WelcomeMessage.objects.filter(organisation=org).exists()
    before = Member.objects.count()
    demo.load()
    assert Member.objects.count() == before
    again = queries.figures(org, timezone.localdate())["repurchase_rate"]
    assert (again["numerator"], again["denominator"]) == (2, 10)


def test_timeline_reads_inbox_messages_and_live_leads() -> None:
    from mediadesk.engagement.models import Message
    from mediadesk.leads.models import Touch
    from mediadesk.live.models import Session
    from mediadesk.private import services, timeline

    demo.load()
    touch = Touch.objects.filter(customer__phone="13912340002").first()
    assert touch is not None
    message = Message.objects.filter(organisation_id=touch.organisation_id).first()
    assert message is not None
    Message.objects.filter(pk=message.pk).update(lead_touch_id=touch.pk)
    session = Session.objects.filter(organisation_id=touch.organisation_id).first()
    assert session is not None
    Touch.objects.filter(pk=touch.pk).update(live_session=session)
    member = services.member_for_customer(touch.customer)
    kinds = {i["kind"] for i in timeline.timeline(member)}
    assert {"message", "live_attend", "lead"} <= kinds
    facts, _last = services.facts_of(member)
    assert facts.interest  # messages and live attendance count as interest
