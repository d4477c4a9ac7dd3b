"""Metric providers of live, publishing, engagement and private read the rows those apps keep:
a key result over them moves when the records change, nobody types a figure in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.live import services as live
from mediadesk.planning import metrics, services
from mediadesk.planning.models import KeyResult
from tests.conftest import World, audit_actions
from tests.engagement.conftest import Desk as InboxDesk
from tests.live.conftest import at, make_session

pytestmark = pytest.mark.django_db
MARCH = (dt.date(2030, 3, 1), dt.date(2030, 3, 31))


def actual(code: str, org: Any, scope: dict[str, Any], period: tuple[dt.date, dt.date]) -> Any:
    metric = metrics.get(code)
    assert metric is not None and metric.actual is not None, code
    return metric.actual(org.pk, scope, *period)


def held_session(world: World, acc: Any, day: int, anchors: list[Any], **figures: int) -> Any:
    session = make_session(world, acc, planned_start=at(2030, 3, day),
                           planned_end=at(2030, 3, day, 17), anchors=anchors)  # fmt: skip
    for to in ("preparing", "live", "ended"):
        session = live.change_status(session, by=world.operator, to=to)
    if figures:
        live.save_figures(session, by=world.operator, values=figures)
    return session


def test_live_sessions_views_leads_and_deals_come_from_the_sessions(
    world: World, account: Any, anchor: Any
) -> None:
    first = held_session(world, account, 4, [anchor], viewers=1200, views=3000)
    held_session(world, account, 6, [anchor], viewers=800, views=2000)
    held_session(world, account, 8, [world.operator], viewers=500, views=900)
    make_session(
        world,
        account,
        planned_start=at(2030, 3, 11),
        planned_end=at(2030, 3, 11, 17),
        anchors=[anchor],
    )  # fmt: skip  (planned, not held: not counted)
    for phone in ("13800138001", "13800138002"):
        live.capture_lead(first, by=anchor, phone=phone)
    mine = {"person": [anchor.pk]}
    assert actual("live_sessions", world.org, mine, MARCH) == 2
    assert actual("live_sessions", world.org, {"accounts": [account.pk]}, MARCH) == 3
    assert actual("live_views", world.org, mine, MARCH) == 5000
    assert actual("live_viewers", world.org, mine, MARCH) == 2000
    assert actual("live_avg_viewers", world.org, mine, MARCH) == Decimal(1000)
    assert actual("live_leads", world.org, mine, MARCH) == 2
    assert actual("live_leads", world.org, {"person": [world.operator.pk]}, MARCH) == 0
    assert actual("live_deals", world.org, mine, MARCH) == 0
    rows = metrics.get("live_sessions").rows(world.org.pk, mine, *MARCH)  # type: ignore[union-attr]
    assert [r["url"] for r in rows][-1] == f"/live/sessions/{first.pk}/"


def test_a_live_goal_follows_a_newly_held_session(
    world: World, account: Any, anchor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    goal = services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "本月直播 12 场", "level": "person", "start": today - dt.timedelta(days=5),
        "end": today + dt.timedelta(days=20), "owner": anchor, "top_level_reason": "主播月度目标",
        "key_results": [{"metric": "live_sessions", "target": 12, "scope": {"person": [anchor.pk]}}],
    })  # fmt: skip
    kr = KeyResult.objects.get(goal=goal)
    assert kr.actual == 0
    yesterday = today - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        session = make_session(world, account, anchors=[anchor],
                               planned_start=at(yesterday.year, yesterday.month, yesterday.day),
                               planned_end=at(yesterday.year, yesterday.month, yesterday.day, 17))  # fmt: skip
        for to in ("preparing", "live", "ended"):
            session = live.change_status(session, by=world.operator, to=to)
    kr.refresh_from_db()
    assert kr.actual == 1 and kr.rate == Decimal("0.0833")  # nobody touched the goal
    assert audit_actions("goal", goal.pk) == ["goal.create"]


def _job(world: World, variant: Any, scheduled: dt.datetime, published: dt.datetime | None) -> Any:
    from mediadesk.publishing.models import PostCheck, PublishJob, State

    job = PublishJob.objects.create(
        variant=variant, account=variant.account, platform=variant.platform,
        organisation=world.org, project=world.qujiang, idempotency_key=f"k{variant.pk}{scheduled}",
        state=State.PUBLISHED if published else State.FAILED, revision_number=1,
        payload={"title": variant.title}, scheduled_at=scheduled, published_at=published,
        created_by=world.operator,
    )  # fmt: skip
    if published:
        PostCheck.objects.create(job=job, variant=variant, organisation=world.org,
                                 due_at=published + dt.timedelta(hours=1))  # fmt: skip
    return job


def test_publishing_counts_jobs_published_on_time_and_checks_done(
    world: World, inbox_desk: InboxDesk
) -> None:
    from mediadesk.publishing.models import PostCheck

    variant = inbox_desk.post
    inbox_desk.weibo.custodian = world.operator
    inbox_desk.weibo.save()
    t = timezone.make_aware(dt.datetime(2026, 3, 2, 9))
    on_time = _job(world, variant, t, t + dt.timedelta(minutes=5))
    _job(world, variant, t + dt.timedelta(days=1), t + dt.timedelta(days=1, hours=3))  # late
    _job(world, variant, t + dt.timedelta(days=2), None)  # failed: not published
    PostCheck.objects.filter(job=on_time).update(confirmed_at=t + dt.timedelta(hours=1),
                                                 confirmed_by=world.operator)  # fmt: skip
    period = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    scope = {"person": [world.operator.pk]}
    assert actual("jobs_published", world.org, scope, period) == 2
    assert actual("publish_on_time_rate", world.org, scope, period) == Decimal(50)
    assert actual("post_checks_rate", world.org, scope, period) == Decimal(50)
    assert actual("jobs_published", world.org, {"platforms": ["douyin"]}, period) == 0
    assert actual("publish_on_time_rate", world.org, {"platforms": ["douyin"]}, period) is None


def test_engagement_handled_and_first_response_sla_from_the_inbox(
    world: World, inbox_desk: InboxDesk
) -> None:
    from mediadesk.engagement import services as inbox

    now = timezone.now()
    quick = inbox_desk.ingest("请问有优惠吗", at=now - dt.timedelta(minutes=5))
    slow = inbox_desk.ingest("户型图在哪里看", at=now - dt.timedelta(days=2))
    waiting = inbox_desk.ingest("怎么还没人回", at=now - dt.timedelta(days=2))  # overdue
    inbox_desk.ingest("周末开放吗", at=now)  # not due yet: SLA not decided
    for message in (quick, slow):
        inbox.reply(message, by=inbox_desk.service, text="您好，欢迎到售楼处咨询")
    period = (timezone.localdate() - dt.timedelta(days=3), timezone.localdate())
    me = {"person": [inbox_desk.service.pk]}
    assert actual("messages_handled", world.org, me, period) == 2
    assert actual("replies_sent", world.org, me, period) == 2
    everyone: dict[str, Any] = {"accounts": [inbox_desk.weibo.pk]}
    assert actual("first_response_sla", world.org, everyone, period) == Decimal("33.3333")
    # the unanswered one is assigned to the on-duty seat: it counts against them
    assert waiting.assignee_id == inbox_desk.service.pk
    assert actual("first_response_sla", world.org, me, period) == Decimal("33.3333")
    assert actual("first_response_sla", world.org, {"person": [world.planner.pk]}, period) is None


def test_private_domain_members_come_from_the_member_records(world: World) -> None:
    from mediadesk.private.models import Member

    today = timezone.localdate()
    for n in range(3):
        Member.objects.create(organisation=world.org, name=f"会员{n}", unionid=f"wx{n}")
    period = (today - dt.timedelta(days=7), today)
    assert actual("private_members", world.org, {}, period) == 3
    assert actual("private_net_growth", world.org, {}, period) == 3
    assert actual("private_net_growth", world.org, {}, (today + dt.timedelta(days=1),) * 2) == 0


def test_the_catalogue_names_a_source_for_every_computed_metric() -> None:
    for metric in metrics.catalogue():
        assert metric.source and (metric.computed or metric.manual), metric.code


def test_an_anchors_scorecard_counts_sessions_against_3_a_week_and_lists_the_records(
    world: World, account: Any, anchor: Any, login: Any
) -> None:
    from django.urls import reverse

    from mediadesk.planning import scorecards

    first = held_session(world, account, 4, [anchor], viewers=1200)
    held_session(world, account, 6, [anchor], viewers=800)
    for phone in ("13800138001", "13800138002", "13800138003"):
        live.capture_lead(first, by=anchor, phone=phone)
    card = scorecards.compute_month(world.manager, dt.date(2030, 3, 1), anchor.pk)[0]
    lines = {ln["code"]: ln for ln in card.lines}
    assert card.role == "anchor"
    assert lines["sessions"]["target"] == 13.29  # 3 a week over March's 31 days
    assert lines["sessions"]["actual"] == 2 and lines["sessions"]["score"] == 6.02
    assert lines["viewers"]["actual"] == 1000 and lines["leads"]["actual"] == 3
    client = login(world.manager)
    page = client.get(reverse("planning:scorecard", args=[card.pk])).content.decode()
    assert 'data-testid="actual-sessions"' in page
    sessions = client.get(reverse("planning:scorecard_rows", args=[card.pk, "sessions"]))
    assert f"/live/sessions/{first.pk}/" in sessions.content.decode()
    leads = client.get(reverse("planning:scorecard_rows", args=[card.pk, "leads"])).content.decode()
    assert leads.count("/leads/customers/") == 3
    assert (
        login(world.sales_a)
        .get(reverse("planning:scorecard_rows", args=[card.pk, "leads"]))
        .status_code
        == 404
    )
