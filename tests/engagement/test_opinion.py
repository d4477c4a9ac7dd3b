"""Opinion monitoring: signals (大V, red keyword, burst, spike), incident grading and
escalation, playbook steps, the statement fast-tracked through review, 复盘."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mediadesk.content.models import ContentItem, Variant
from mediadesk.engagement import opinion
from mediadesk.engagement.models import Incident, Mention, Signal, TermCount, WatchTerm
from mediadesk.notifications.models import Notification
from mediadesk.review.models import ReviewRun
from tests.conftest import audit_actions
from tests.engagement.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def term(world: Any) -> WatchTerm:
    return WatchTerm.objects.create(organisation=world.org, term="曲江府", category="project")


def mention(
    text: str, *, minutes_ago: int = 1, followers: int = 100, url: str = ""
) -> opinion.MentionIn:
    return opinion.MentionIn(source="微博", text=text, published_at=timezone.now() - dt.timedelta(minutes=minutes_ago), author="网友", author_followers=followers, url=url)  # fmt: skip


def test_big_v_mention_is_a_signal_and_opens_a_level_three_incident(world: Any, term: WatchTerm) -> None:  # fmt: skip
    opinion.ingest_mentions(world.org, [mention("曲江府样板间开放了", followers=200_000)], by=world.manager)  # fmt: skip
    signal = Signal.objects.get()
    assert signal.kind == "big_v" and signal.incident is not None
    assert signal.incident.grade.level == 2  # reach 200,000 ≥ the 二级 reach rule


def test_red_keyword_signal_and_unwatched_text_is_ignored(world: Any, term: WatchTerm) -> None:
    opinion.ingest_mentions(world.org, [mention("别家楼盘业主维权")], by=world.manager)
    assert not Signal.objects.exists()
    opinion.ingest_mentions(world.org, [mention("曲江府业主要起诉")], by=world.manager)
    assert Signal.objects.get().kind == "red"
    assert Incident.objects.get().grade.level == 3


def test_a_later_burst_raises_the_open_incident(world: Any, term: WatchTerm) -> None:
    opinion.ingest_mentions(world.org, [mention("曲江府业主维权")], by=world.manager)
    incident = Incident.objects.get()
    assert incident.grade.level == 3
    due3 = incident.first_response_due
    items = [mention(f"曲江府交房延期太坑了 {n}") for n in range(30)]
    opinion.ingest_mentions(world.org, items, by=world.manager)
    incident.refresh_from_db()
    assert Incident.objects.count() == 1 and incident.grade.level == 2
    assert incident.first_response_due < due3  # 4 h instead of 24 h
    assert "incident.grade" in audit_actions("incident", incident.pk)


def test_spike_against_the_same_hour_of_the_last_seven_days(world: Any, term: WatchTerm) -> None:
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    for d in range(1, 8):
        TermCount.objects.create(term=term, hour=hour - dt.timedelta(days=d), total=5)
    TermCount.objects.create(term=term, hour=hour, total=15)
    assert opinion.spike_pass(now) == 0  # 15 is not above 3 × 5
    TermCount.objects.filter(hour=hour).update(total=16)
    assert opinion.spike_pass(now) == 1
    assert opinion.spike_pass(now) == 0  # once per window
    assert Signal.objects.get().kind == "spike"


def test_mentions_are_deduplicated_by_url_and_by_text(world: Any, term: WatchTerm) -> None:
    opinion.ingest_mentions(world.org, [mention("曲江府开盘", url="https://x.com/1"), mention("曲江府开盘了"), mention("曲江府 开盘了")], by=world.manager)  # fmt: skip
    opinion.ingest_mentions(world.org, [mention("另一段文字", url="https://x.com/1")], by=world.manager)  # fmt: skip
    assert Mention.objects.count() == 2


def test_playbook_statement_goes_to_review_as_urgent(desk: Desk, world: Any, term: WatchTerm) -> None:  # fmt: skip
    reserve = ContentItem.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, title="交付进度说明（备选）",
        owner=world.planner, form="article", created_by=world.planner, is_reserve=True,
    )  # fmt: skip
    Variant.objects.create(item=reserve, organisation=world.org, company=world.xian, project=world.qujiang, owner=world.planner, account=desk.wechat, platform=desk.wechat.platform, title="交付进度说明", body="各位业主：3 号楼交付时间调整说明……")  # fmt: skip
    grade = opinion.grades_of(world.org.pk)[1]
    incident = opinion.open_incident(world.org, title="曲江府交房延期", grade=grade, by=world.manager, term=term)  # fmt: skip
    statement = opinion.draft_statement(incident, reserve_item=reserve, by=world.manager)
    assert (
        statement.pk != reserve.pk and not statement.is_reserve and statement.variants.count() == 1
    )
    run = ReviewRun.objects.get(item=statement)
    assert run.urgent
    urgent = Notification.objects.filter(title__startswith="【加急】")
    assert urgent.exists()  # later steps' reviewers are told at once
    incident.refresh_from_db()
    assert incident.statement_item_id == statement.pk
    assert "incident.statement" in audit_actions("incident", incident.pk)


def test_close_records_the_review_and_the_timeline(world: Any, term: WatchTerm) -> None:
    opinion.ingest_mentions(
        world.org, [mention("曲江府业主维权", minutes_ago=30)], by=world.manager
    )
    incident = Incident.objects.get()
    opinion.advance(incident, step="handle", note="发布说明", by=world.manager, action="clarify")
    with pytest.raises(ValidationError):
        opinion.close(incident, lessons="", follow_ups="", by=world.manager)
    opinion.close(incident, lessons="响应及时", follow_ups="提前公示", by=world.manager)
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.first_response_at and incident.peak_at
    assert [e.step for e in incident.events.all()][-2:] == ["handle", "review"]
    with pytest.raises(ValidationError):
        opinion.advance(incident, step="handle", note="x", by=world.manager)
