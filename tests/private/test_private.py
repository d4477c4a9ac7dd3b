"""Private domain: acceptance items of 09-private-domain.md, bad input, access."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.core import crypto
from mediadesk.core.errors import Conflict
from mediadesk.leads.models import Channel, Customer, Deal, Opportunity, Report, Visit
from mediadesk.private import mass, queries, rules, services, tasks, wecom
from mediadesk.private.models import (
    Activity,
    ActivitySignup,
    BenefitGrant,
    BenefitTier,
    CallbackEvent,
    Consent,
    Event,
    Group,
    GroupMembership,
    Identity,
    MassRecipient,
    MassSend,
    Member,
    MergeProposal,
    WakeUpPlan,
    WeComSettings,
)
from tests.conftest import World, audit_actions
from tests.fakes.wecom import AES_KEY, CORP_ID, SECRET, TOKEN, add_contact_xml, fake_wecom

__all__ = ["fake_wecom"]
PHONE = "13812345678"


def _buyer(world: World) -> Customer:
    """A customer who reported through a channel, visited and bought."""
    org, user = world.org, world.sales_a
    customer = Customer.objects.create(organisation=org, phone=PHONE, name="王先生")
    opp = Opportunity.objects.create(
        organisation=org,
        company=world.xian,
        project=world.qujiang,
        customer=customer,
        consultant=user,
        source="channel",
    )
    channel = Channel.objects.create(organisation=org, name="链家", kind="agency")
    now = timezone.now()
    Report.objects.create(
        organisation=org,
        project=world.qujiang,
        channel=channel,
        customer=customer,
        phone=PHONE,
        phone_prefix="138",
        phone_suffix="345678",
        reported_at=now - timedelta(days=5),
        judged_at=now - timedelta(days=5),
        status="valid",
        result_code=1,
        reporter=world.channel,
    )
    Visit.objects.create(
        organisation=org,
        project=world.qujiang,
        customer=customer,
        visited_at=now - timedelta(days=3),
        recorded_by=user,
        result_code=1,
    )
    Deal.objects.create(
        organisation=org,
        company=world.xian,
        project=world.qujiang,
        opportunity=opp,
        customer=customer,
        consultant=user,
        unit_label="1-101",
        amount_fen=100_000_000,
        stage="subscribed",
        subscribed_at=now,
    )
    return customer


def test_buyer_is_one_member_with_timeline_then_loyal(world: World, api: Any) -> None:
    member = services.member_for_customer(_buyer(world))
    assert member.stage == "purchase"
    answer = api(world.manager).get(f"/api/v1/private/members/{member.pk}").json()
    kinds = {i["kind"] for i in answer["timeline"]}
    assert {"lead", "report", "visit", "deal"} <= kinds
    services.ingest(
        world.org,
        [
            {
                "event_id": "p2",
                "kind": "purchase",
                "at": timezone.now(),
                "phone": PHONE,
                "amount": 99,
            }
        ],
    )
    member.refresh_from_db()
    assert member.stage == "loyal"
    assert Member.objects.filter(organisation=world.org).count() == 1
    last = member.stage_history.last()
    assert last is not None and (last.from_stage, last.to_stage) == ("purchase", "loyal")
    assert "第2次购买" in last.reason


def _wecom_settings(world: World) -> WeComSettings:
    return WeComSettings.objects.create(
        organisation=world.org,
        corp_id=CORP_ID,
        secret_sealed=crypto.seal(SECRET),
        token_sealed=crypto.seal(TOKEN),
        aes_key_sealed=crypto.seal(AES_KEY),
    )


def test_add_contact_callback_links_same_member(world: World, client: Any, fake_wecom: Any) -> None:
    member = services.member_for_customer(_buyer(world))
    _wecom_settings(world)
    fake_wecom.contacts["wmEXT1"] = {
        "external_contact": {"external_userid": "wmEXT1", "name": "王", "type": 1},
        "follow_user": [
            {"userid": "zhangsan", "remark_mobiles": [PHONE], "tags": [{"tag_name": "高意向"}]}
        ],
    }
    q, body = fake_wecom.callback(add_contact_xml("zhangsan", "wmEXT1"))
    url = f"/api/v1/private/wecom/callback?org={world.org.pk}&" + "&".join(
        f"{k}={v}" for k, v in q.items()
    )
    r = client.post(url, body, content_type="text/xml")
    assert r.status_code == 200
    assert client.post(url, body, content_type="text/xml").status_code == 200  # idempotent
    assert CallbackEvent.objects.count() == 1
    assert Member.objects.filter(organisation=world.org).count() == 1
    ident = Identity.objects.get(kind="wecom", value="wmEXT1")
    assert ident.member_id == member.pk
    member.refresh_from_db()
    assert "高意向" in member.tags and "wecom" in member.sources
    assert fake_wecom.calls.count("/cgi-bin/gettoken") == 1


def test_callback_bad_signature_stores_nothing(world: World, client: Any, fake_wecom: Any) -> None:
    _wecom_settings(world)
    q, body = fake_wecom.callback(add_contact_xml("zhangsan", "wmEXT1"))
    q["msg_signature"] = "0" * 40
    url = f"/api/v1/private/wecom/callback?org={world.org.pk}&" + "&".join(
        f"{k}={v}" for k, v in q.items()
    )
    assert client.post(url, body, content_type="text/xml").status_code == 403
    assert CallbackEvent.objects.count() == 0


def test_wrong_secret_is_a_wecom_error(world: World, fake_wecom: Any) -> None:
    cfg = _wecom_settings(world)
    cfg.secret_sealed = crypto.seal("wrong")
    with pytest.raises(wecom.WeComError, match="40001"):
        wecom.Client(cfg).token()


def test_crypto_roundtrip() -> None:
    enc = wecom.encrypt(AES_KEY, CORP_ID, "<xml>你好</xml>")
    assert wecom.decrypt(AES_KEY, CORP_ID, enc) == "<xml>你好</xml>"
    with pytest.raises(wecom.BadSignature):
        wecom.decrypt(AES_KEY, "other", enc)


def test_silent_member_woken_rate(world: World) -> None:
    now = timezone.now()
    old = now - timedelta(days=31)
    members = []
    for i in range(3):
        services.ingest(
            world.org, [{"event_id": f"v{i}", "kind": "page_view", "at": old, "unionid": f"u{i}"}]
        )
        members.append(Member.objects.get(unionid=f"u{i}"))
    plan = WakeUpPlan.objects.create(organisation=world.org, name="唤醒", channel="task")
    assert tasks.enter_silent(plan, now) == 3
    services.ingest(
        world.org,
        [
            {
                "event_id": "reply",
                "kind": "course_view",
                "at": now + timedelta(days=5),
                "unionid": "u0",
            }
        ],
    )
    tasks.score_responses(plan)
    month = timezone.localdate().replace(day=1)
    rate = queries.figures(world.org, month)["wake_up_rate"]
    assert (rate["numerator"], rate["denominator"]) == (1, 3)


def test_mass_send_over_limit_refused_with_date(world: World) -> None:
    member = services.resolve(world.org, phone=PHONE)
    send = MassSend.objects.create(organisation=world.org, text="开放日")
    for _ in range(4):
        MassRecipient.objects.create(send=send, member=member, at=timezone.now())
    with pytest.raises(Conflict, match=r"最早可于 \d{4}-\d{2}-01"):
        mass.check_limit([member], monthly=4)


def test_repurchase_rate_hand_count(world: World, api: Any) -> None:
    now = timezone.now()
    items = [  # A buys twice, B once, C twice → 2 / 3
        {"event_id": "a1", "kind": "purchase", "at": now, "unionid": "A", "amount": 10},
        {"event_id": "a2", "kind": "purchase", "at": now, "unionid": "A", "amount": 10},
        {"event_id": "b1", "kind": "purchase", "at": now, "unionid": "B", "amount": 10},
        {"event_id": "c1", "kind": "purchase", "at": now, "unionid": "C", "amount": 10},
        {"event_id": "c2", "kind": "purchase", "at": now, "unionid": "C", "amount": 10},
    ]
    services.ingest(world.org, items)
    r = api(world.manager).get(f"/api/v1/private/figures?month={now:%Y-%m}").json()
    assert r["repurchase_rate"] == {"numerator": 2, "denominator": 3, "value": 0.6667}
    assert r["members"] == 3 and r["by_stage"]["loyal"] == 2
    assert r["miniprogram"] == {"viewers": 0, "users": 3, "buyers": 3}
    from decimal import Decimal

    from mediadesk.planning import metrics

    metrics.load()
    metric = metrics.get("private_repurchase_rate")
    assert metric is not None and metric.actual is not None
    today = timezone.localdate()
    assert metric.actual(world.org.pk, {}, today.replace(day=1), today) == Decimal("66.6667")


def test_events_api_duplicate_and_unknown_person(world: World, api: Any) -> None:
    c = api(world.manager)
    body = {
        "items": [
            {
                "event_id": "e1",
                "kind": "page_view",
                "at": "2026-12-01T10:00:00+08:00",
                "openid": "o-1",
            }
        ]
    }
    assert c.post("/api/v1/private/events", body, content_type="application/json").json() == {
        "created": 1,
        "duplicates": 0,
    }
    assert c.post("/api/v1/private/events", body, content_type="application/json").json() == {
        "created": 0,
        "duplicates": 1,
    }
    anon = Event.objects.get(event_id="e1").member
    assert anon.anonymous and Event.objects.count() == 1
    bad = {"items": [{"event_id": "e2", "kind": "nope", "at": "x"}]}
    r = c.post("/api/v1/private/events", bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"]
    assert Event.objects.count() == 1


def test_merge_refused_when_both_have_deals_then_reversible(world: World) -> None:
    keep = services.member_for_customer(_buyer(world))
    c2 = Customer.objects.create(organisation=world.org, phone="13800005678", name="王先生")
    opp = Opportunity.objects.create(
        organisation=world.org,
        company=world.xian,
        project=world.qujiang,
        customer=c2,
        consultant=world.sales_a,
        source="channel",
    )
    other = services.member_for_customer(c2)
    assert services.propose_matches(world.org) == 1
    proposal = MergeProposal.objects.get()
    Deal.objects.create(
        organisation=world.org,
        company=world.xian,
        project=world.qujiang,
        opportunity=opp,
        customer=c2,
        consultant=world.sales_a,
        unit_label="2",
        amount_fen=1,
        stage="pledged",
    )
    with pytest.raises(Conflict, match="都有成交"):
        services.merge(proposal, by=world.manager)
    other.refresh_from_db()
    assert other.merged_into is None
    Deal.objects.filter(customer=c2).delete()
    services.ingest(
        world.org,
        [{"event_id": "x", "kind": "page_view", "at": timezone.now(), "phone": "13800005678"}],
    )
    services.merge(proposal, by=world.manager)
    assert Event.objects.get(event_id="x").member_id == keep.pk
    services.undo_merge(proposal, by=world.manager)
    assert Event.objects.get(event_id="x").member_id == other.pk
    assert audit_actions("private_member", keep.pk) == ["private.merge", "private.merge_undo"]


def test_merge_moves_groups_consents_signups_and_benefits_and_undo_gives_them_back(
    world: World,
) -> None:
    keep = services.member_for_customer(_buyer(world))
    c2 = Customer.objects.create(organisation=world.org, phone="13800005678", name="王先生")
    other = services.member_for_customer(c2)
    services.propose_matches(world.org)
    proposal = MergeProposal.objects.get()
    shared = Group.objects.create(organisation=world.org, chat_id="wr-shared", name="曲江一群")
    own = Group.objects.create(organisation=world.org, chat_id="wr-own", name="曲江二群")
    GroupMembership.objects.create(group=shared, member=keep)
    twin = GroupMembership.objects.create(group=shared, member=other)
    joined = GroupMembership.objects.create(group=own, member=other)
    consent = services.record_consent(other, source="企微", scope="营销消息", by=world.manager)
    activity = Activity.objects.create(
        organisation=world.org, kind="meetup", title="业主见面会", starts_at=timezone.now()
    )
    signup = ActivitySignup.objects.create(
        activity=activity, member=other, signed_at=timezone.now()
    )
    tier = BenefitTier.objects.create(
        organisation=world.org, name="铁粉", min_events=5, benefit="车位券"
    )
    grant = BenefitGrant.objects.create(tier=tier, member=other, at=timezone.now())

    services.merge(proposal, by=world.manager)

    def owner(model: Any, pk: int) -> int:
        return int(model.objects.get(pk=pk).member_id)

    assert owner(GroupMembership, joined.pk) == keep.pk
    assert owner(GroupMembership, twin.pk) == other.pk  # keep is already in that group
    assert GroupMembership.objects.filter(member=keep).count() == 2
    assert owner(Consent, consent.pk) == keep.pk
    assert owner(ActivitySignup, signup.pk) == keep.pk
    assert owner(BenefitGrant, grant.pk) == keep.pk
    services.undo_merge(proposal, by=world.manager)
    for model, pk in [(GroupMembership, joined.pk), (Consent, consent.pk),
                      (ActivitySignup, signup.pk), (BenefitGrant, grant.pk)]:  # fmt: skip
        assert owner(model, pk) == other.pk
    assert GroupMembership.objects.filter(member=keep).count() == 1
    assert audit_actions("private_member", keep.pk) == ["private.merge", "private.merge_undo"]


def test_erasure_keeps_counts(world: World) -> None:
    member = services.member_for_customer(_buyer(world))
    services.erase(member, by=world.manager)
    member.refresh_from_db()
    assert member.phone == "" and member.name == "" and member.anonymous
    assert Member.objects.filter(organisation=world.org).count() == 1
    assert "private.erase" in audit_actions("private_member", member.pk)


def test_members_masked_and_reveal_audited(world: World, api: Any) -> None:
    member = services.resolve(world.org, phone=PHONE)
    rows = api(world.operator).get("/api/v1/private/members").json()
    assert rows["items"][0]["phone"] == "138****5678" and rows["count"] == 1
    assert (
        api(world.operator).post(f"/api/v1/private/members/{member.pk}/reveal").status_code == 403
    )
    r = api(world.manager).post(f"/api/v1/private/members/{member.pk}/reveal")
    assert r.json() == {"phone": PHONE}
    assert audit_actions("private_member", member.pk) == ["private.reveal"]


def test_access(world: World, api: Any, client: Any, login: Any) -> None:
    services.resolve(world.org, phone=PHONE)
    assert client.get("/api/v1/private/members").status_code == 401
    assert api(world.sales_a).get("/api/v1/private/members").status_code == 403
    assert api(world.outsider).get("/api/v1/private/members").json()["count"] == 0
    assert login(world.manager).get("/private/").status_code == 200
    assert login(world.sales_a).get("/private/").status_code == 403


def test_segments_api(world: World, api: Any) -> None:
    services.ingest(
        world.org, [{"event_id": "s1", "kind": "purchase", "at": timezone.now(), "unionid": "S"}]
    )
    c = api(world.manager)
    r = c.post(
        "/api/v1/private/segments",
        {"name": "购买", "rules": {"stage": "purchase"}},
        content_type="application/json",
    )
    assert r.status_code == 201
    seg = r.json()["id"]
    assert c.get(f"/api/v1/private/segments/{seg}/members").json()["count"] == 1
    assert c.get("/api/v1/private/segments").json()["items"][0]["count"] == 1
    Member.objects.filter(unionid="S").update(tags=["高意向", "学区"])
    services.resolve(world.org, unionid="T")  # untagged
    assert c.get("/api/v1/private/members?tag=高意向").json()["count"] == 1
    assert c.get("/api/v1/private/members?tag=学区").json()["count"] == 1
    assert c.get("/api/v1/private/members?tag=别的").json()["count"] == 0
    bad = c.post(
        "/api/v1/private/segments",
        {"name": "x", "rules": {"bogus": 1}},
        content_type="application/json",
    )
    assert bad.status_code == 400


@given(st.integers(0, 5), st.integers(0, 2), st.sampled_from(["", "message"]))
def test_stage_rules_monotone(purchases: int, referrals: int, interest: str) -> None:
    stage, reason = rules.stage_for(rules.Facts(purchases, referrals, interest))
    more, _ = rules.stage_for(rules.Facts(purchases + 1, referrals, interest))
    assert not rules.higher(stage, more) and reason
    assert (stage == "loyal") == (purchases >= 2 or referrals > 0)


_ = dt


def test_consent_recorded_audited_and_erased(world: World, api: Any) -> None:
    member = services.resolve(world.org, phone=PHONE)
    url = f"/api/v1/private/members/{member.pk}/consents"
    body = {"source": "小程序授权", "scope": "营销联系"}
    assert api(world.operator).post(url, body, content_type="application/json").status_code == 403
    r = api(world.manager).post(url, body, content_type="application/json")
    assert r.status_code == 201 and member.consents.count() == 1
    assert audit_actions("private_member", member.pk) == ["private.consent"]
    bad = api(world.manager).post(url, {"source": ""}, content_type="application/json")
    assert bad.status_code == 422 and member.consents.count() == 1
    services.erase(member, by=world.manager)
    assert member.consents.count() == 0
    r = api(world.manager).post(url, body, content_type="application/json")
    assert r.status_code == 409


@given(st.integers(0, 8), st.integers(2, 6), st.booleans(), st.integers(0, 2))
def test_edited_rules_monotone_and_loyal_threshold(
    purchases: int, loyal_at: int, referral_loyal: bool, referrals: int
) -> None:
    r = {"loyal_purchases": loyal_at, "referral_is_loyal": referral_loyal}
    stage, _reason = rules.stage_for(rules.Facts(purchases, referrals, ""), r)
    more, _ = rules.stage_for(rules.Facts(purchases + 1, referrals, ""), r)
    assert not rules.higher(stage, more)
    loyal = purchases >= loyal_at or (referral_loyal and referrals > 0)
    assert (stage == "loyal") == loyal


def test_bad_filters_are_400_not_500(world: World, api: Any) -> None:
    c = api(world.manager)
    for query in ("silent_days=abc", "limit=x", "project=abc", "silent_days=-5"):
        r = c.get(f"/api/v1/private/members?{query}")
        assert r.status_code == 400 and r.json()["detail"], query
    assert c.get("/api/v1/private/figures?month=2026-13").status_code == 400


def test_concurrent_duplicate_skipped_by_the_constraint(world: World) -> None:
    """Two requests that both passed the duplicate check: the second insert stores nothing."""
    member = services.resolve(world.org, unionid="C")
    item = {"event_id": "race", "kind": "page_view", "at": dt.datetime(2026, 12, 1, 10, 0)}
    assert services._insert_events(world.org, [item], [member]) == 1
    assert services._insert_events(world.org, [item], [member]) == 0
    stored = Event.objects.get(event_id="race")
    assert timezone.localtime(stored.at).hour == 10  # a time without offset is local


def test_community_active_four_weeks_in_a_row_is_loyal(world: World) -> None:
    now = timezone.now()
    weekly = [
        {"event_id": f"w{i}", "kind": "course_view", "at": now - timedelta(weeks=i), "unionid": "W"}
        for i in range(3)
    ]
    services.ingest(world.org, weekly)
    assert Member.objects.get(unionid="W").stage == "interest"  # three weeks: not yet
    services.ingest(world.org, [{"event_id": "w3", "kind": "course_view",
                                 "at": now - timedelta(weeks=3), "unionid": "W"}])  # fmt: skip
    member = Member.objects.get(unionid="W")
    last = member.stage_history.last()
    assert member.stage == "loyal" and last is not None and "连续4周社群活跃" in last.reason
    gap = [{"event_id": f"g{i}", "kind": "course_view", "at": now - timedelta(weeks=i),
            "unionid": "G"} for i in (0, 1, 3, 4)]  # fmt: skip
    services.ingest(world.org, gap)
    assert Member.objects.get(unionid="G").stage == "interest"  # a week missing: not in a row
