"""Pages: anonymous → login, wrong role → 403, other scope → 404, permitted → the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from mediadesk.engagement import opinion, services
from mediadesk.engagement.models import Incident, Message, Status
from mediadesk.notifications.models import Notification
from tests.conftest import audit_actions
from tests.engagement.conftest import SHANGHAI, Desk

pytestmark = pytest.mark.django_db

PAGES = ["inbox", "library", "dashboard", "lexicon", "incidents", "mentions", "watch", "paste", "import"]  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_manager(desk: Desk, login: Any, name: str) -> None:
    desk.ingest("这楼盘烂尾了吧，业主都在维权 13912345678")
    response = login(desk.world.manager).get(reverse(f"engagement:{name}"))
    assert response.status_code == 200


def test_anonymous_is_sent_to_login(desk: Desk, client: Any) -> None:
    response = client.get(reverse("engagement:inbox"))
    assert response.status_code == 302 and "login" in response.url


def test_sales_without_the_inbox_gets_403(desk: Desk, login: Any) -> None:
    assert login(desk.world.sales_a).get(reverse("engagement:inbox")).status_code == 403


def test_other_scope_cannot_open_a_message(desk: Desk, login: Any, world: Any) -> None:
    m = desk.ingest("你好")
    assert (
        login(world.operator_cd).get(reverse("engagement:detail", args=[m.pk])).status_code == 404
    )
    assert login(world.outsider).get(reverse("engagement:detail", args=[m.pk])).status_code == 404
    assert login(desk.service).get(reverse("engagement:detail", args=[m.pk])).status_code == 200


def test_the_menu_entry_replaces_the_placeholder(desk: Desk, login: Any) -> None:
    html = login(desk.service).get(reverse("engagement:inbox")).content.decode()
    assert reverse("engagement:inbox") in html and "core:soon" not in html


def test_phone_is_masked_for_service_and_full_for_entitled(
    desk: Desk, login: Any, world: Any
) -> None:
    m = desk.ingest("多少钱一平？电话13912345678")
    page = login(desk.service).get(reverse("engagement:detail", args=[m.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    page = login(world.manager).get(reverse("engagement:detail", args=[m.pk])).content.decode()
    assert "13912345678" in page


def test_reply_through_the_page_records_it(desk: Desk, login: Any) -> None:
    m = desk.ingest("什么时候交房")
    response = login(desk.service).post(reverse("engagement:reply", args=[m.pk]), {"text": "您好，预计2027年6月交付，欢迎来售楼处了解"})  # fmt: skip
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == Status.REPLIED and m.first_response_at is not None and m.first_responder == desk.service  # fmt: skip
    assert m.replies.get().state == "manual"
    assert "message.reply" in audit_actions("message", m.pk)


def test_refused_reply_shows_the_finding(desk: Desk, login: Any) -> None:
    m = desk.ingest("有优惠吗")
    c = login(desk.service)
    page = c.post(reverse("engagement:reply", args=[m.pk]), {"text": "全网最低价"}, follow=True).content.decode()  # fmt: skip
    assert "全网最低价" in page and "回复未发送" in page
    assert not m.replies.exists()


def test_bulk_close_and_saved_view(desk: Desk, login: Any) -> None:
    a, b = desk.ingest("广告1"), desk.ingest("广告2")
    c = login(desk.world.manager)
    c.post(reverse("engagement:bulk"), {"ids": [a.pk, b.pk], "action": "spam"})
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SPAM}
    c.post(reverse("engagement:save_view"), {"name": "垃圾", "query": "status=spam"})
    assert "垃圾" in c.get(reverse("engagement:inbox")).content.decode()


def test_filters(desk: Desk, login: Any) -> None:
    desk.ingest("这楼盘烂尾了吧")
    desk.ingest("环境很好", platform="wechat_mp")
    c = login(desk.world.manager)
    page = c.get(reverse("engagement:inbox"), {"sentiment": "negative"}).content.decode()
    assert "烂尾" in page and "环境很好" not in page
    page = c.get(reverse("engagement:inbox"), {"platform": "wechat_mp"}).content.decode()
    assert "烂尾" not in page and "环境很好" in page


def test_paste_box_stores_each_line_once(desk: Desk, login: Any) -> None:
    c = login(desk.service)
    data = {"platform": "xiaohongshu", "kind": "comment", "text": "好看\n多少钱一平\n好看"}
    c.post(reverse("engagement:paste"), data)
    c.post(reverse("engagement:paste"), data)
    assert Message.objects.count() == 2


def test_incident_pages_and_report(desk: Desk, login: Any, world: Any) -> None:
    grade = opinion.grades_of(world.org.pk)[1]
    i = opinion.open_incident(world.org, title="曲江府维权", grade=grade, by=world.manager)
    c = login(world.manager)
    assert c.get(reverse("engagement:incident", args=[i.pk])).status_code == 200
    c.post(reverse("engagement:incident_step", args=[i.pk]), {"step": "handle", "action": "clarify", "note": "发布澄清"})  # fmt: skip
    i.refresh_from_db()
    assert i.first_response_at is not None and i.action == "clarify"
    c.post(reverse("engagement:incident_close", args=[i.pk]), {"lessons": "响应及时", "follow_ups": "加强工地巡检"})  # fmt: skip
    i.refresh_from_db()
    assert i.state == Incident.State.CLOSED
    assert c.get(reverse("engagement:incident_report", args=[i.pk])).status_code == 200
    xlsx = c.get(reverse("engagement:incident_xlsx", args=[i.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert login(world.outsider).get(reverse("engagement:incident", args=[i.pk])).status_code == 404


def test_service_user_cannot_manage_incidents(desk: Desk, login: Any, world: Any) -> None:
    grade = opinion.grades_of(world.org.pk)[2]
    i = opinion.open_incident(world.org, title="x", grade=grade, by=world.manager)
    login(desk.service).post(reverse("engagement:incident_close", args=[i.pk]), {"lessons": "x"})
    i.refresh_from_db()
    assert i.state == Incident.State.OPEN


def test_to_lead_needs_the_capture_permission_in_the_project(desk: Desk, world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    m = desk.ingest("电话13912345678")
    with pytest.raises(PermissionDenied):
        services.to_lead(m, project=world.tianfu, by=desk.service)


def test_post_feedback_reaches_the_template_3_hints(desk: Desk) -> None:
    from mediadesk.analytics import hints

    for text in (
        "这楼盘烂尾了吧",
        "交房延期太坑了",
        "漏水没人管",
        "环境很好",
        "请问多少钱",
        "质量问题太多",
    ):
        desk.ingest(text, post_url="https://weibo.com/1/abc")
    feedback = hints.feedback_for([desk.post.pk])[desk.post.pk]
    assert (feedback.positive, feedback.negative) == (1, 4)
    facts = hints.Facts(rate=hints.rules.Ratio(None, None), feedback=feedback)
    problem = hints.hints_for(facts).analysis
    assert "正面评论占比 16.7%（1/6）" in problem and "工程质量" in problem


def test_settings_page_configures_seats_slas_rules_and_channels(desk: Desk, login: Any, world: Any) -> None:  # fmt: skip
    from mediadesk.engagement.models import ApprovalRule, AssignmentRule, Channel, SlaPolicy

    c = login(world.manager)
    url = reverse("engagement:settings")
    assert c.get(url).status_code == 200
    c.post(url, {"form": "sla", "platform": "douyin", "kind": "comment", "minutes": "60"})
    c.post(url, {"form": "assign_rule", "account": desk.douyin.pk, "keyword": "", "assignee": world.manager.pk})  # fmt: skip
    c.post(url, {"form": "approval_rule", "account": "", "polarity": "negative"})
    c.post(url, {"form": "channel", "account": desk.douyin.pk, "source": "douyin", "secret": "s3cret"})  # fmt: skip
    c.post(url, {"form": "sla", "minutes": "abc"})
    assert SlaPolicy.objects.get().minutes == 60
    m = desk.ingest("你好", platform="douyin")
    assert m.due_at == m.received_at + __import__("datetime").timedelta(minutes=60)
    assert m.assignee == world.manager and AssignmentRule.objects.count() == 1
    assert ApprovalRule.objects.get().polarity == "negative"
    channel = Channel.objects.get()
    assert "s3cret" not in channel.secret_sealed and "s3cret" not in c.get(url).content.decode()
    assert "sla_policy.save" in audit_actions("sla_policy", SlaPolicy.objects.get().pk)
    assert login(desk.service).get(url).status_code == 403


def test_negative_message_is_not_hidden_as_spam_without_a_reason(desk: Desk, world: Any) -> None:
    from django.core.exceptions import ValidationError

    m = desk.ingest("这楼盘烂尾了吧，业主都在维权")
    with pytest.raises(ValidationError):
        services.set_status(m, status=Status.SPAM, by=desk.service)
    services.set_status(m, status=Status.SPAM, by=desk.service, reason="重复广告刷屏")
    m.refresh_from_db()
    assert m.status == Status.SPAM
    entry = [a for a in audit_actions("message", m.pk) if a == "message.status"]
    assert entry


def test_inbox_page_query_count_is_pinned(desk: Desk, login: Any, django_assert_max_num_queries: Any) -> None:  # fmt: skip
    for n in range(40):
        desk.ingest(f"第{n}条 多少钱一平")
    c = login(desk.world.manager)
    with django_assert_max_num_queries(25):
        assert c.get(reverse("engagement:inbox"), {"status": "open"}).status_code == 200


def test_grades_are_configurable_and_messages_link_to_incidents(desk: Desk, login: Any, world: Any) -> None:  # fmt: skip
    grades = opinion.grades_of(world.org.pk)
    c = login(world.manager)
    c.post(reverse("engagement:settings"), {"form": "grade", "pk": grades[1].pk, "name": "二级（较大）", "min_negative": "20", "response_hours": "2", "notify": [world.legal.pk]})  # fmt: skip
    grades[1].refresh_from_db()
    assert grades[1].min_negative == 20 and grades[1].response_hours == 2
    assert list(grades[1].notify.all()) == [world.legal]
    assert "incident_grade.save" in audit_actions("incident_grade", grades[1].pk)
    incident = opinion.open_incident(world.org, title="x", grade=grades[1], by=world.manager)
    assert Notification.objects.filter(recipient=world.legal, kind="opinion.incident").exists()
    m = desk.ingest("曲江府业主在售楼处拉横幅")
    c.post(reverse("engagement:incident_link", args=[incident.pk]), {"message": m.pk})
    assert list(incident.messages.all()) == [m]
    assert "incident.link" in audit_actions("incident", incident.pk)


def test_home_card_counts(desk: Desk, login: Any) -> None:
    m = desk.ingest("多少钱一平？电话13912345678")
    assert m.assignee == desk.service
    desk.ingest("你们楼盘烂尾了吗", at=dt.datetime.now(SHANGHAI) - dt.timedelta(hours=5))
    desk.ingest("好看")
    client = login(desk.service)
    home = client.get("/")
    page = home.content.decode()
    assert 'data-testid="card-engagement"' in page
    card = next(c["cockpit"] for k, c in home.context["plug_cards"] if k.key == "engagement")
    values = {}
    for figure in card.figures:  # each number is the length of the list it links to
        listed = client.get(figure.url).context["page"].paginator.count
        assert listed == figure.value, figure
        values[figure.url.split("?")[1]] = figure.value
    card = {"mine": values["assignee=me&status=open"], "overdue": values["overdue=1"],
            "leads": values["lead=1&status=open"]}  # fmt: skip
    assert card["mine"] == 3 and card["leads"] == 1 and card["overdue"] >= 1
    assert (
        'data-testid="card-engagement"' not in login(desk.world.sales_a).get("/").content.decode()
    )


def test_is_open_follows_the_status(desk: Desk) -> None:
    m = desk.ingest("你好")
    assert m.is_open
    services.set_status(m, status=Status.CLOSED, by=desk.service)
    m.refresh_from_db()
    assert not m.is_open
    services.set_status(m, status=Status.IN_PROGRESS, by=desk.service)
    services.reply(m, by=desk.service, text="您好，请问有什么可以帮您")
    m.refresh_from_db()
    assert m.status == Status.REPLIED and not m.is_open
    assert Message.objects.filter(is_open=True).count() == 0
