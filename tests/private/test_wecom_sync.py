"""WeCom sync, tags written back, groups, callbacks of every kind, 群发 — against the fake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mediadesk.core import crypto
from mediadesk.core.errors import Conflict
from mediadesk.notifications.models import Notification
from mediadesk.private import mass, services, sync, tasks, wecom
from mediadesk.private.models import (
    Event,
    Group,
    GroupMembership,
    Identity,
    MassRecipient,
    MassSend,
    Member,
    Segment,
    WakeUpPlan,
    WakeUpTarget,
    WeComFollow,
    WeComSettings,
    WeComTag,
)
from tests.conftest import World, audit_actions
from tests.fakes.wecom import AES_KEY, CORP_ID, SECRET, TOKEN, contact, contact_xml, fake_wecom

__all__ = ["fake_wecom"]


def _cfg(world: World, limit: int = 4) -> WeComSettings:
    return WeComSettings.objects.create(
        organisation=world.org,
        corp_id=CORP_ID,
        secret_sealed=crypto.seal(SECRET),
        token_sealed=crypto.seal(TOKEN),
        aes_key_sealed=crypto.seal(AES_KEY),
        monthly_limit=limit,
    )


def _seed(fake: Any) -> None:
    fake.corp_tags = [
        {
            "group_id": "g1",
            "group_name": "意向",
            "tag": [{"id": "t1", "name": "高意向"}, {"id": "t2", "name": "学区"}],
        }
    ]
    fake.contacts["wmA"] = contact(
        "wmA", "zhangsan", name="王先生", phone="13812345678", tags=["高意向"]
    )
    fake.contacts["wmB"] = contact("wmB", "zhangsan", name="李女士")
    fake.groups["wrG1"] = {
        "chat_id": "wrG1",
        "name": "曲江业主群",
        "owner": "zhangsan",
        "member_list": [
            {"userid": "zhangsan", "type": 1, "join_time": 1700000000},
            {"userid": "wmA", "type": 2, "join_time": 1700000500},
            {"userid": "wmNEW", "type": 2, "join_time": 1700000600},
        ],
    }


def test_sync_contacts_tags_groups(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    known = services.resolve(world.org, phone="13812345678")
    cfg = _cfg(world)
    assert sync.sync_all(cfg) == {"tags": 2, "contacts": 2, "groups": 1}
    assert WeComTag.objects.filter(organisation=world.org).count() == 2
    assert Identity.objects.get(kind="wecom", value="wmA").member_id == known.pk
    follow = WeComFollow.objects.get(external_userid="wmA")
    assert (follow.userid, follow.state, follow.member_id) == ("zhangsan", "qr1", known.pk)
    group = Group.objects.get(chat_id="wrG1")
    assert (group.name, group.owner_userid) == ("曲江业主群", "zhangsan")
    assert GroupMembership.objects.filter(group=group).count() == 2  # employees are not members
    new = Identity.objects.get(kind="wecom", value="wmNEW").member
    assert new.anonymous  # a group member we know nothing else of is kept, anonymously
    assert Event.objects.filter(member=known, kind="group_join").count() == 1
    # synced again: nothing duplicated; a member who left gets left_at and a group_leave event
    fake_wecom.groups["wrG1"]["member_list"].pop()
    sync.sync_all(cfg)
    assert Member.objects.filter(organisation=world.org).count() == 3
    gone = GroupMembership.objects.get(member=new)
    assert gone.left_at is not None
    assert Event.objects.filter(member=new, kind="group_leave").count() == 1


def test_tags_written_back_to_wecom(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    cfg = _cfg(world)
    sync.sync_all(cfg)
    member = Identity.objects.get(kind="wecom", value="wmA").member
    local_only = sync.set_tags(member, ["学区", "看过样板间"], by=world.manager)
    assert local_only == []  # 看过样板间 was created in WeCom first, in the MediaDesk group
    made = WeComTag.objects.get(organisation=world.org, name="看过样板间")
    assert (made.tag_id, made.group_name) == ("t3", "MediaDesk")
    assert fake_wecom.corp_tags[1] == {
        "group_id": "g2", "group_name": "MediaDesk", "tag": [{"id": "t3", "name": "看过样板间"}]
    }  # fmt: skip
    assert fake_wecom.marks == [
        {"userid": "zhangsan", "external_userid": "wmA", "add_tag": ["t2", "t3"],
         "remove_tag": ["t1"]}
    ]  # fmt: skip
    member.refresh_from_db()
    assert member.tags == ["学区", "看过样板间"]
    assert audit_actions("private_member", member.pk) == ["private.tags"]


def test_a_tag_on_someone_who_is_no_wecom_contact_stays_local(
    world: World, fake_wecom: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    stranger = services.resolve(world.org, phone="13900001111")
    assert sync.set_tags(stranger, ["看过样板间"], by=world.manager) == ["看过样板间"]
    assert "/cgi-bin/externalcontact/add_corp_tag" not in fake_wecom.calls
    assert not WeComTag.objects.filter(name="看过样板间").exists()


def test_tag_creation_refused_by_wecom_saves_nothing(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    fake_wecom.corp_tags.append({"group_id": "g9", "group_name": "MediaDesk",
                                 "tag": [{"id": "t9", "name": "看过样板间"}]})  # fmt: skip
    member = Identity.objects.get(kind="wecom", value="wmA").member  # (made after our sync)
    with pytest.raises(wecom.WeComError, match="40071"):
        sync.set_tags(member, ["看过样板间"], by=world.manager)
    member.refresh_from_db()
    assert member.tags == ["高意向"] and not fake_wecom.marks
    assert audit_actions("private_member", member.pk) == []


def test_expired_token_is_refetched_once(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    cfg = _cfg(world)
    client = wecom.Client(cfg)
    client.token()
    fake_wecom.tokens.clear()  # WeCom expired it early
    assert client.get("/cgi-bin/externalcontact/get", external_userid="wmA")["external_contact"]
    assert fake_wecom.calls.count("/cgi-bin/gettoken") == 2


def _post_callback(client: Any, world: World, fake: Any, xml: str) -> Any:
    q, body = fake.callback(xml)
    url = f"/api/v1/private/wecom/callback?org={world.org.pk}&" + "&".join(
        f"{k}={v}" for k, v in q.items()
    )
    return client.post(url, body, content_type="text/xml")


def test_del_follow_user_is_churn_and_notifies_owner(
    world: World, client: Any, fake_wecom: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_contacts(_cfg(world))
    member = Identity.objects.get(kind="wecom", value="wmA").member
    Member.objects.filter(pk=member.pk).update(owner=world.sales_a)
    r = _post_callback(client, world, fake_wecom, contact_xml("del_follow_user", "zhangsan", "wmA"))
    assert r.status_code == 200
    assert WeComFollow.objects.get(external_userid="wmA").removed_at is not None
    assert "private.wecom_churn" in audit_actions("private_member", member.pk)
    assert Notification.objects.filter(recipient=world.sales_a, kind="private.churn").count() == 1


def _segment(world: World) -> Segment:
    return Segment.objects.create(organisation=world.org, name="高意向", rules={"tag": "高意向"})


def test_mass_send_created_confirmed_delivered(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    send = mass.create(
        _segment(world), text="本周六样板间开放", sender="zhangsan", by=world.manager
    )
    assert fake_wecom.templates[send.msgid]["external_userid"] == ["wmA"]
    assert mass.counts(send) == {"created": 1, "delivered": 0, "failed": 0}
    mass.remind(send, by=world.manager)
    fake_wecom.confirm(send.msgid)
    assert mass.pull(send) == {"created": 0, "delivered": 1, "failed": 0}
    send.refresh_from_db()
    assert send.status == MassSend.Status.CONFIRMED
    assert audit_actions("private_mass", send.pk) == ["private.mass_create", "private.mass_remind"]
    with pytest.raises(Conflict):
        mass.remind(send, by=world.manager)


def test_mass_send_over_limit_refused_before_wecom(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world, limit=1))
    seg = _segment(world)
    mass.create(seg, text="周六开放日", sender="zhangsan", by=world.manager)
    with pytest.raises(Conflict, match=r"最早可于 \d{4}-\d{2}-01"):
        mass.create(seg, text="周日开放日", sender="zhangsan", by=world.manager)
    assert MassSend.objects.count() == 1 and len(fake_wecom.templates) == 1
    assert MassRecipient.objects.count() == 1


def test_daily_limit_refuses_a_second_send_today_with_tomorrows_date(
    world: World, fake_wecom: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))  # 4 a month, 1 a day (the default)
    seg = _segment(world)
    mass.create(seg, text="周六开放日", sender="zhangsan", by=world.manager)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(Conflict, match=f"每日 1 条.*最早可于 {tomorrow:%Y-%m-%d}"):
        mass.create(seg, text="周日开放日", sender="zhangsan", by=world.manager)
    assert MassSend.objects.count() == 1 and len(fake_wecom.templates) == 1
    WeComSettings.objects.update(daily_limit=0)  # 0 = no daily limit: the month's 4 still hold
    mass.create(seg, text="周日开放日", sender="zhangsan", by=world.manager)
    assert MassRecipient.objects.count() == 2


def _silent_plan(world: World, **extra: Any) -> WakeUpPlan:
    old = timezone.now() - dt.timedelta(days=60)
    Member.objects.filter(organisation=world.org).update(last_active_at=old, created_at=old)
    values = {"name": "老客唤醒", "silent_days": 30, "content": "老业主专享：车位九折",
              "channel": WakeUpPlan.Channel.MASS, "window_days": 14, **extra}  # fmt: skip
    return services.create_wakeup_plan(world.org, values, by=world.manager)


def test_wake_up_plan_by_mass_send_reaches_contacts_within_the_limits(
    world: World, fake_wecom: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    a = Identity.objects.get(kind="wecom", value="wmA").member
    b = Identity.objects.get(kind="wecom", value="wmB").member
    mass.create(_segment(world), text="周六开放日", sender="zhangsan", by=world.manager)  # A today
    plan = _silent_plan(world)
    assert tasks.enter_silent(plan, timezone.now()) == 3  # A, B and the group's anonymous one
    send = MassSend.objects.get(plan=plan)
    assert fake_wecom.templates[send.msgid]["external_userid"] == ["wmB"]
    assert fake_wecom.templates[send.msgid]["text"] == {"content": "老业主专享：车位九折"}
    reached = WakeUpTarget.objects.exclude(reached_at=None).values_list("member_id", flat=True)
    assert list(reached) == [b.pk]  # A had today's 群发; the anonymous one is no contact
    assert WakeUpTarget.objects.get(member=a).reached_at is None
    assert audit_actions("private_mass", send.pk) == ["private.mass_create"]
    assert tasks.enter_silent(plan, timezone.now()) == 0  # once per member


def test_wake_up_mass_plan_content_is_checked(world: World, fake_wecom: Any) -> None:
    for content, message in (("", "不能为空"), ("稳赚不赔的学区房", "违规")):
        with pytest.raises(ValidationError, match=message):
            _silent_plan(world, content=content)
    assert not WakeUpPlan.objects.exists()


def test_wake_up_mass_send_left_unreached_when_wecom_is_down(world: World, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    plan = _silent_plan(world)
    fake_wecom.busy["/cgi-bin/externalcontact/add_msg_template"] = 1
    tasks.enter_silent(plan, timezone.now())
    assert not WakeUpTarget.objects.exclude(reached_at=None).exists()
    assert not MassSend.objects.exists()


def test_mass_send_compliance_and_no_wecom(world: World, fake_wecom: Any) -> None:
    seg = _segment(world)
    with pytest.raises(ValidationError, match="未配置企业微信"):
        mass.create(seg, text="开放", sender="zhangsan", by=world.manager)
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    with pytest.raises(ValidationError, match="违规"):
        mass.create(seg, text="全市最好的学区房，稳赚不赔", sender="zhangsan", by=world.manager)
    assert MassSend.objects.count() == 0 and not fake_wecom.templates


def test_mass_send_api(world: World, api: Any, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    seg = _segment(world)
    body = {"segment": seg.pk, "text": "开放日", "sender": "zhangsan"}
    assert (
        api(world.operator)
        .post("/api/v1/private/mass-sends", body, content_type="application/json")
        .status_code
        == 403
    )
    r = api(world.manager).post("/api/v1/private/mass-sends", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["counts"]["created"] == 1
    listed = api(world.manager).get("/api/v1/private/mass-sends").json()
    assert listed["count"] == 1
    _ = timezone


def test_hourly_job_syncs_and_pulls(world: World, fake_wecom: Any) -> None:
    from mediadesk.private import tasks

    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    send = mass.create(_segment(world), text="开放日", sender="zhangsan", by=world.manager)
    fake_wecom.confirm(send.msgid)
    assert tasks.wecom_hourly(timezone.now()) >= 1
    assert mass.counts(send)["delivered"] == 1


def test_welcome_message_of_the_qr_code_sent_once(
    world: World, client: Any, fake_wecom: Any
) -> None:
    from mediadesk.private.models import WelcomeMessage
    from tests.fakes.wecom import add_contact_xml

    _seed(fake_wecom)
    _cfg(world)
    WelcomeMessage.objects.create(organisation=world.org, state="", text="您好")
    WelcomeMessage.objects.create(organisation=world.org, state="qr1", text="欢迎参加开放日")
    xml = add_contact_xml("zhangsan", "wmA")
    assert _post_callback(client, world, fake_wecom, xml).status_code == 200
    assert fake_wecom.welcomes == {"wc-wmA-1700000000": "欢迎参加开放日"}
    member = Identity.objects.get(kind="wecom", value="wmA").member
    assert audit_actions("private_member", member.pk) == ["private.welcome"]
    assert WeComFollow.objects.get(external_userid="wmA").state == "qr1"


def test_unsent_mass_send_reminded_after_a_day(world: World, fake_wecom: Any) -> None:
    import datetime as dt

    from mediadesk.private import tasks

    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    send = mass.create(_segment(world), text="开放日", sender="zhangsan", by=world.manager)
    assert tasks.remind_unsent(send, timezone.now()) == 0  # not yet a day old
    later = timezone.now() + dt.timedelta(hours=25)
    assert tasks.remind_unsent(send, later) == 1
    assert tasks.remind_unsent(send, later) == 0  # not again within 8 hours
    assert fake_wecom.templates[send.msgid]["reminders"] == 1


def test_segment_rules_group_activity_amount(world: World, fake_wecom: Any, api: Any) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    group = Group.objects.get()
    c = api(world.manager)
    r = c.post("/api/v1/private/segments", {"name": "群", "rules": {"group": group.pk}},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    assert c.get(f"/api/v1/private/segments/{r.json()['id']}/members").json()["count"] == 2
    services.ingest(world.org, [{"event_id": "p", "kind": "purchase", "at": timezone.now(),
                                 "unionid": "Z", "amount": 500}])  # fmt: skip
    from mediadesk.private import queries

    base = Member.objects.filter(organisation=world.org)
    assert queries.apply_rules(base, {"active_within": 7}).count() >= 1
    assert queries.apply_rules(base, {"min_amount": 500}).count() == 1  # RFM: monetary
    assert queries.apply_rules(base, {"min_amount": 501}).count() == 0


def test_url_verification_and_failed_processing_retried(
    world: World, client: Any, fake_wecom: Any
) -> None:
    import secrets as pysecrets

    from mediadesk.private import tasks
    from mediadesk.private.models import CallbackEvent
    from tests.fakes.wecom import add_contact_xml

    _cfg(world)
    echo = wecom.encrypt(AES_KEY, CORP_ID, "echo-123")
    nonce = pysecrets.token_hex(4)
    sig = wecom.signature(TOKEN, "1700000000", nonce, echo)
    from urllib.parse import urlencode

    q = urlencode({"org": world.org.pk, "msg_signature": sig, "timestamp": "1700000000",
                   "nonce": nonce, "echostr": echo})  # fmt: skip
    r = client.get(f"/api/v1/private/wecom/callback?{q}")
    assert r.status_code == 200 and r.content == b"echo-123"
    bad = q.replace(sig, "0" * 40)
    assert client.get(f"/api/v1/private/wecom/callback?{bad}").status_code == 403
    # the contact is unknown to WeCom for now (84061): stored, answered, not processed
    assert (
        _post_callback(client, world, fake_wecom, add_contact_xml("zhangsan", "wmA")).status_code
        == 200
    )
    cb = CallbackEvent.objects.get()
    assert cb.processed_at is None
    _seed(fake_wecom)
    later = timezone.now() + dt.timedelta(minutes=5)
    assert tasks.retry_callbacks(later) == 1
    cb.refresh_from_db()
    assert cb.processed_at is not None
    assert Identity.objects.filter(kind="wecom", value="wmA").exists()


def test_group_change_callback_syncs_the_group(world: World, client: Any, fake_wecom: Any) -> None:
    _seed(fake_wecom)
    _cfg(world)
    xml = (
        f"<xml><ToUserName>{CORP_ID}</ToUserName><CreateTime>1700000200</CreateTime>"
        "<MsgType>event</MsgType><Event>change_external_chat</Event>"
        "<ChatId>wrG1</ChatId><ChangeType>update</ChangeType><UpdateDetail>add_member"
        "</UpdateDetail></xml>"
    )
    assert _post_callback(client, world, fake_wecom, xml).status_code == 200
    group = Group.objects.get(chat_id="wrG1")
    assert group.memberships.filter(left_at=None).count() == 2


def test_mass_results_are_read_page_by_page(
    world: World, fake_wecom: Any, monkeypatch: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    seg = Segment.objects.create(organisation=world.org, name="全部", rules={})
    send = mass.create(seg, text="本周六样板间开放", sender="zhangsan", by=world.manager)
    assert sorted(fake_wecom.templates[send.msgid]["external_userid"]) == ["wmA", "wmB"]
    fake_wecom.confirm(send.msgid)
    monkeypatch.setattr(mass, "RESULT_PAGE", 1)  # one customer a page: two pages
    assert mass.pull(send) == {"created": 0, "delivered": 2, "failed": 0}
    assert fake_wecom.calls.count("/cgi-bin/externalcontact/get_groupmsg_send_result") == 2


def test_a_segment_over_one_calls_limit_is_refused_whole(
    world: World, fake_wecom: Any, monkeypatch: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    monkeypatch.setattr(mass, "MAX_RECIPIENTS", 1)
    seg = Segment.objects.create(organisation=world.org, name="全部", rules={})
    with pytest.raises(ValidationError, match=r"最多 1 位客户.*有 2 位"):
        mass.create(seg, text="周六开放日", sender="zhangsan", by=world.manager)
    assert not MassSend.objects.exists() and fake_wecom.templates == {}


def test_a_wake_up_larger_than_one_call_goes_out_in_chunks_and_keeps_those_sent(
    world: World, fake_wecom: Any, monkeypatch: Any
) -> None:
    _seed(fake_wecom)
    sync.sync_all(_cfg(world))
    monkeypatch.setattr(mass, "MAX_RECIPIENTS", 1)
    plan = _silent_plan(world)
    fake_wecom.busy_after["/cgi-bin/externalcontact/add_msg_template"] = 1  # 2nd call fails
    tasks.enter_silent(plan, timezone.now())
    (send,) = MassSend.objects.filter(plan=plan)
    first = fake_wecom.templates[send.msgid]["external_userid"]
    reached = (
        WakeUpTarget.objects.exclude(reached_at=None)
        .filter(member__identities__kind="wecom")
        .values_list("member__identities__value", flat=True)
    )
    assert len(first) == 1 and list(reached) == first  # the chunk WeCom took is kept, counted
    unreached = WakeUpTarget.objects.filter(reached_at=None).values_list(
        "member__identities__value", flat=True
    )
    assert ({"wmA", "wmB"} - set(first)) <= set(unreached)  # as when WeCom is down for all
    assert audit_actions("private_mass", send.pk) == ["private.mass_create"]
