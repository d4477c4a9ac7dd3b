"""The acceptance list of 07-engagement.md, one test each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from mediadesk.engagement import jobs, opinion, services
from mediadesk.engagement.models import Incident, Message, Status, WatchTerm
from mediadesk.leads.models import Customer, Touch
from mediadesk.notifications.models import Notification, Robot
from tests.conftest import audit_actions
from tests.engagement.conftest import Desk

pytestmark = pytest.mark.django_db


def test_weibo_comment_at_10_is_due_10_30_and_flagged_at_10_31(
    desk: Desk, t10: dt.datetime
) -> None:
    m = desk.ingest("这个项目什么时候开盘？", at=t10, post_url="https://weibo.com/1/abc")
    assert m.due_at == t10 + dt.timedelta(minutes=30)
    assert m.assignee == desk.service and m.variant == desk.post
    jobs.check_slas(t10 + dt.timedelta(minutes=29))
    m.refresh_from_db()
    assert m.sla_breached_at is None
    jobs.check_slas(t10 + dt.timedelta(minutes=31))
    m.refresh_from_db()
    assert m.sla_breached_at == t10 + dt.timedelta(minutes=31)
    told = set(Notification.objects.filter(kind="engagement.sla").values_list("recipient__username", flat=True))  # fmt: skip
    assert told == {"kf_a", "kf_lead"}
    assert "message.sla_breach" in audit_actions("message", m.pk)
    jobs.check_slas(t10 + dt.timedelta(minutes=32))  # flagged once
    assert Notification.objects.filter(kind="engagement.sla").count() == 2


def test_breach_escalates_to_the_robot_later(desk: Desk, t10: dt.datetime) -> None:
    from mediadesk.notifications.models import RobotDelivery

    Robot.objects.create(organisation=desk.world.org, name="舆情群", kind="wecom", webhook_sealed="x", webhook_masked="x")  # fmt: skip
    m = desk.ingest("怎么还没人回复", at=t10)
    jobs.check_slas(t10 + dt.timedelta(minutes=31))
    assert not RobotDelivery.objects.exists()
    jobs.check_slas(t10 + dt.timedelta(minutes=46))
    m.refresh_from_db()
    assert m.escalated_at is not None
    assert RobotDelivery.objects.filter(kind="engagement.sla").count() == 1


def test_wechat_liuyan_at_10_is_due_12(desk: Desk, t10: dt.datetime) -> None:
    m = desk.ingest("请问样板间开放吗", platform="wechat_mp", at=t10)
    assert m.due_at == t10 + dt.timedelta(hours=2)


def test_sentiment_examples(desk: Desk) -> None:
    m = desk.ingest("这楼盘烂尾了吧，业主都在维权")
    assert m.polarity == "negative" and {"烂尾", "维权"} <= set(m.sentiment_words)
    assert desk.ingest("环境很好，交通方便").polarity == "positive"
    assert desk.ingest("不是不好").polarity != "negative"


def test_lead_candidate_to_lead_with_phone_source_and_post(desk: Desk, world: Any) -> None:
    m = desk.ingest("多少钱一平？电话13912345678", post_url="https://weibo.com/1/abc")
    assert m.lead_candidate and "phone" in m.lead_reasons and "price" in m.lead_reasons
    touch = services.to_lead(m, project=world.qujiang, by=desk.service)
    assert touch.customer.phone == "13912345678"
    assert touch.source == "comment" and touch.variant == desk.post and touch.account == desk.weibo
    assert touch.content_item == desk.post.item
    m.refresh_from_db()
    assert m.lead_touch_id == touch.pk
    assert "message.lead" in audit_actions("message", m.pk)
    assert Customer.objects.count() == 1 and Touch.objects.count() == 1
    # masked for users who may not see it (the service user has no leads.phone), full for the entitled
    from mediadesk.leads import access as lead_access

    assert lead_access.customer_phone_for(desk.service, touch.customer) == "139****5678"
    assert lead_access.customer_phone_for(world.manager, touch.customer) == "13912345678"


def test_private_message_lead_source_is_private_message(desk: Desk, world: Any) -> None:
    m = desk.ingest("户型图发我一下 13912345679", platform="douyin", kind="private_message")
    assert services.to_lead(m, project=world.qujiang, by=desk.service).source == "private_message"


def test_reply_with_extreme_word_is_refused_with_the_finding(desk: Desk) -> None:
    m = desk.ingest("有优惠吗")
    with pytest.raises(services.Refused) as err:
        services.reply(m, by=desk.service, text="本月全网最低价，欢迎来售楼处")
    assert any(f["term"] == "全网最低价" for f in err.value.findings)
    m.refresh_from_db()
    assert m.status == Status.NEW and m.first_response_at is None and not m.replies.exists()


def test_thirty_negative_mentions_in_ten_minutes_open_a_level_two_incident(desk: Desk, world: Any) -> None:  # fmt: skip
    robot = Robot.objects.create(organisation=world.org, name="舆情群", kind="wecom", webhook_sealed="x", webhook_masked="x")  # fmt: skip
    WatchTerm.objects.create(organisation=world.org, term="曲江府", category="project")
    now = dt.datetime.now(dt.UTC)
    items = [
        opinion.MentionIn(
            source="微博",
            text=f"曲江府交房延期，质量问题太多，太坑了 #{n}",
            published_at=now - dt.timedelta(minutes=9) + dt.timedelta(seconds=15 * n),
            author=f"u{n}",
            author_followers=100,
        )
        for n in range(30)
    ]
    opinion.ingest_mentions(world.org, items[:29], by=world.manager)
    assert not Incident.objects.exists()
    opinion.ingest_mentions(world.org, items[29:], by=world.manager)
    incident = Incident.objects.get()
    assert incident.grade.level == 2
    assert incident.first_response_due == incident.detected_at + dt.timedelta(hours=4)
    assert robot.deliveries.filter(kind="opinion.incident").exists()
    assert "incident.open" in audit_actions("incident", incident.pk)


def test_same_message_twice_is_one_row(desk: Desk) -> None:
    desk.ingest("你好", external_id="dup-1")
    desk.ingest("你好", external_id="dup-1")
    assert Message.objects.filter(external_id="dup-1").count() == 1


def test_batch_with_a_bad_item_writes_nothing(desk: Desk, world: Any) -> None:
    good = services.Incoming(platform="weibo", kind="comment", external_id="a", text="好", received_at=dt.datetime.now(dt.UTC))  # fmt: skip
    bad = services.Incoming(platform="nowhere", kind="comment", external_id="b", text="好", received_at=dt.datetime.now(dt.UTC))  # fmt: skip
    with pytest.raises(ValidationError):
        services.ingest(world.org, [good, bad])
    assert not Message.objects.exists()
