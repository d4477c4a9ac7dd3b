"""私域 pages: access per role, import preview/confirm (bad row → nothing), export (masked,
audited), merge refused with the reason, member page, home card."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from mediadesk.core.models import AuditEntry
from mediadesk.leads.models import Customer, Deal, Opportunity
from mediadesk.private import services
from mediadesk.private.models import Member, MergeProposal, Segment
from tests.conftest import World, audit_actions
from tests.fakes.wecom import fake_wecom

__all__ = ["fake_wecom"]

PAGES = ["", "segments/", "lifecycle/", "wakeup/", "mass/", "export/", "activities/", "benefits/"]


@pytest.mark.parametrize("path", PAGES)
def test_page_access(world: World, client: Any, login: Any, path: str) -> None:
    services.resolve(world.org, phone="13812345678")
    url = f"/private/{path}"
    assert client.get(url).status_code == 302  # anonymous → login
    assert login(world.sales_a).get(url).status_code == 403
    assert login(world.operator).get(url).status_code == 200


@pytest.mark.parametrize("path", ["merges/", "import/", "wecom/"])
def test_manage_pages_need_manage(world: World, login: Any, path: str) -> None:
    assert login(world.operator).get(f"/private/{path}").status_code == 403
    assert login(world.manager).get(f"/private/{path}").status_code == 200


def test_member_page_other_org_is_404(world: World, login: Any) -> None:
    m = services.resolve(world.org, phone="13812345678")
    assert login(world.outsider).get(f"/private/members/{m.pk}/").status_code in (403, 404)
    page = login(world.operator).get(f"/private/members/{m.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("m.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_bad_row_writes_nothing(world: World, login: Any) -> None:
    c = login(world.manager)
    body = "姓名,手机号,标签\n张三,13800000001,高意向\n李四,12345,\n"
    r = c.post("/private/import/", {"file": _csv(body)})
    page = r.content.decode()
    assert "第 3 行「手机号」" in page and "确认导入" not in page
    r = c.post("/private/import/", {"action": "confirm"})
    assert Member.objects.count() == 0
    assert not AuditEntry.objects.filter(action="private.import").exists()


def test_import_preview_then_confirm(world: World, login: Any) -> None:
    known = services.resolve(world.org, phone="13800000001")
    c = login(world.manager)
    body = "姓名,手机号,企业微信外部联系人ID,标签\n张三,13800000001,wmX,高意向、学区\n李四,13800000002,,\n"
    c.post("/private/import/", {"file": _csv(body)})
    assert Member.objects.count() == 1  # preview writes nothing
    r = c.post("/private/import/", {"action": "confirm"})
    assert r.status_code == 302
    known.refresh_from_db()
    assert known.tags == ["学区", "高意向"] and known.name == "张三"
    assert Member.objects.filter(organisation=world.org).count() == 2
    entry = AuditEntry.objects.get(action="private.import")
    assert entry.changes["rows"] == [None, 2] and entry.organisation_id == world.org.pk


def test_export_masked_and_audited(world: World, login: Any) -> None:
    services.resolve(world.org, phone="13812345678")
    r = login(world.operator).get("/private/export/")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.cell(2, 3).value == "138****5678"
    entry = AuditEntry.objects.get(action="private.export")
    assert entry.changes["rows"] == [None, 1]
    r = login(world.manager).get("/private/export/")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.cell(2, 3).value == "13812345678"


def _with_deal(world: World, phone: str) -> Member:
    customer = Customer.objects.create(organisation=world.org, phone=phone, name="王先生")
    opp = Opportunity.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, customer=customer,
        consultant=world.sales_a, source="channel",
    )  # fmt: skip
    Deal.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, opportunity=opp,
        customer=customer, consultant=world.sales_a, unit_label="1", amount_fen=1, stage="pledged",
    )  # fmt: skip
    return services.member_for_customer(customer)


def test_merge_page_refuses_two_buyers_with_reason(world: World, login: Any, api: Any) -> None:
    a, b = _with_deal(world, "13800001234"), _with_deal(world, "13900001234")
    c = login(world.manager)
    c.get("/private/merges/?scan=1")
    p = MergeProposal.objects.get()
    r = c.post("/private/merges/", {"proposal": p.pk, "action": "merge"}, follow=True)
    assert "都有成交记录" in r.content.decode()
    p.refresh_from_db()
    b.refresh_from_db()
    assert p.status == "open" and b.merged_into is None
    assert "private.merge" not in audit_actions("private_member", a.pk)
    r = api(world.manager).post(f"/api/v1/private/merges/{p.pk}/merge")
    assert r.status_code == 409 and "都有成交记录" in r.json()["detail"]
    c.post("/private/merges/", {"proposal": p.pk, "action": "refuse"})
    p.refresh_from_db()
    assert p.status == "refused"
    assert audit_actions("private_merge", p.pk) == ["private.merge_refuse"]


def test_segment_created_from_page(world: World, login: Any) -> None:
    c = login(world.manager)
    r = c.post("/private/segments/", {"name": "沉默", "silent_days": "30", "stage": "interest"})
    assert r.status_code == 302
    seg = Segment.objects.get()
    assert seg.rules == {"stage": "interest", "silent_days": 30}
    assert audit_actions("private_segment", seg.pk) == ["private.segment_create"]
    assert login(world.operator).post("/private/segments/", {"name": "x"}).status_code == 403


def test_erase_and_tags_from_member_page(world: World, login: Any) -> None:
    m = services.resolve(world.org, phone="13812345678")
    c = login(world.manager)
    c.post(f"/private/members/{m.pk}/", {"action": "tags", "tags": "高意向、学区"})
    m.refresh_from_db()
    assert m.tags == ["学区", "高意向"]
    c.post(f"/private/members/{m.pk}/", {"action": "erase"})
    m.refresh_from_db()
    assert m.phone == "" and m.tags == [] and m.erased_at
    assert audit_actions("private_member", m.pk) == ["private.tags", "private.erase"]


def test_reveal_from_page_audited(world: World, login: Any) -> None:
    m = services.resolve(world.org, phone="13812345678")
    assert login(world.operator).post(f"/private/members/{m.pk}/reveal/").status_code == 403
    r = login(world.manager).post(f"/private/members/{m.pk}/reveal/")
    assert r.content.decode() == "13812345678"
    assert audit_actions("private_member", m.pk) == ["private.reveal"]


def test_home_card(world: World, login: Any) -> None:
    services.resolve(world.org, phone="13812345678")
    assert 'data-testid="private-card"' in login(world.manager).get("/").content.decode()
    assert 'data-testid="private-card"' not in login(world.sales_a).get("/").content.decode()


def test_rules_edited_then_members_restaged(world: World, login: Any) -> None:
    from django.utils import timezone

    from mediadesk.private import tasks

    now = timezone.now()
    services.ingest(
        world.org,
        [{"event_id": f"b{i}", "kind": "purchase", "at": now, "unionid": "R"} for i in range(2)]
        + [{"event_id": "v", "kind": "page_view", "at": now, "unionid": "V"}],
    )
    assert Member.objects.get(unionid="R").stage == "loyal"
    assert Member.objects.get(unionid="V").stage == "interest"
    assert login(world.operator).post("/private/lifecycle/", {}).status_code == 403
    c = login(world.manager)
    bad = c.post("/private/lifecycle/", {"loyal_purchases": "1"})
    assert bad.status_code == 200 and "loyal_purchases" in bad.context["form"].errors
    r = c.post(
        "/private/lifecycle/",
        {
            "loyal_purchases": "3",
            "referral_is_loyal": "on",
            "interest_kinds": ["message"],
            "loyal_active_weeks": "4",
        },
    )
    assert r.status_code == 302
    from mediadesk.private.models import LifecycleRules

    rules_row = LifecycleRules.objects.get(organisation=world.org)
    assert audit_actions("private_rules", rules_row.pk) == ["private.rules"]
    services.ingest(world.org, [{"event_id": "w", "kind": "page_view", "at": now, "unionid": "W"}])
    assert Member.objects.get(unionid="W").stage == "aware"  # page views no longer interest
    s = services.ingest(
        world.org,
        [{"event_id": f"q{i}", "kind": "purchase", "at": now, "unionid": "Q"} for i in range(2)],
    )
    assert s["created"] == 2 and Member.objects.get(unionid="Q").stage == "purchase"
    tasks.restage_after_rule_edits()
    rules_row.refresh_from_db()
    assert rules_row.restage_requested_at is None
    assert Member.objects.get(unionid="R").stage == "loyal"  # stages never go down


def test_wakeup_plan_created_and_owner_gets_a_task(world: World, login: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from mediadesk.notifications.models import Notification
    from mediadesk.private import tasks
    from mediadesk.private.models import WakeUpPlan

    old = timezone.now() - dt.timedelta(days=40)
    services.ingest(world.org, [{"event_id": "s", "kind": "page_view", "at": old, "unionid": "S"}])
    Member.objects.filter(unionid="S").update(owner=world.sales_a)
    c = login(world.manager)
    bad = c.post("/private/wakeup/", {"name": "x", "silent_days": "0", "channel": "task"})
    assert bad.status_code == 200 and WakeUpPlan.objects.count() == 0
    form = {"name": "30 天唤醒", "silent_days": "30", "channel": "task", "window_days": "14",
            "content": "开放日邀约"}  # fmt: skip
    assert c.post("/private/wakeup/", form).status_code == 302
    plan = WakeUpPlan.objects.get()
    assert audit_actions("private_wakeup", plan.pk) == ["private.wakeup_create"]
    assert tasks.enter_silent(plan, timezone.now()) == 1
    note = Notification.objects.get(recipient=world.sales_a, kind="private.wakeup")
    assert "30 天唤醒" in note.title and note.body == "开放日邀约"
    assert tasks.enter_silent(plan, timezone.now()) == 0  # once per member


def test_lifecycle_board_breakdown_and_days_in_stage(world: World, login: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from mediadesk.private import queries
    from mediadesk.private.models import StageChange

    t0 = timezone.now() - dt.timedelta(days=10)
    services.ingest(
        world.org, [{"event_id": "a", "kind": "page_view", "at": t0, "phone": "13800000009"}]
    )
    m = Member.objects.get()
    Member.objects.filter(pk=m.pk).update(sources=["wecom"], project=world.qujiang)
    StageChange.objects.filter(member=m).update(at=t0)
    services.ingest(
        world.org,
        [{"event_id": "b", "kind": "purchase", "at": timezone.now(), "phone": "13800000009"}],
    )
    days = queries.days_in_stage(world.org)
    assert days["interest"] is not None and 9.9 <= days["interest"] <= 10.1
    board = queries.by_source_and_project(world.org)
    assert board["projects"] == [("锦程·曲江府", [0, 0, 1, 0])]
    assert [cells for name, cells in board["sources"]] == [[0, 0, 1, 0]]
    page = login(world.operator).get("/private/lifecycle/").content.decode()
    assert 'data-testid="breakdown"' in page and "rules-form" not in page


def test_activity_signup_attendance_and_stage_movement(world: World, login: Any) -> None:
    from django.utils import timezone

    from mediadesk.private.models import Activity, Event

    services.ingest(
        world.org, [{"event_id": "j", "kind": "group_join", "at": timezone.now(), "unionid": "J"}]
    )
    m = Member.objects.get(unionid="J")
    assert m.stage == "aware"
    seg = Segment.objects.create(organisation=world.org, name="认知", rules={"stage": "aware"})
    assert login(world.operator).post("/private/activities/", {}).status_code == 403
    c = login(world.manager)
    r = c.post("/private/activities/", {"kind": "meetup", "title": "样板间见面会",
                                        "starts_at": "2026-01-01T10:00"})  # fmt: skip
    act = Activity.objects.get()
    assert r.status_code == 302 and audit_actions("private_activity", act.pk) == [
        "private.activity_create"
    ]
    c.post(f"/private/activities/{act.pk}/", {"segment": seg.pk})
    assert act.signups.count() == 1
    c.post(f"/private/activities/{act.pk}/", {"member": m.pk})
    c.post(f"/private/activities/{act.pk}/", {"member": m.pk})  # twice: one attendance
    m.refresh_from_db()
    assert m.stage == "interest" and Event.objects.filter(member=m, kind="activity").count() == 1
    page = c.get(f"/private/activities/{act.pk}/").content.decode()
    assert 'data-testid="signup"' in page
    from mediadesk.private import activities

    assert activities.outcome(act) == {"signed": 1, "attended": 1, "moved": 1}
    assert audit_actions("private_activity", act.pk) == [
        "private.activity_create", "private.signup", "private.attend"]  # fmt: skip


def test_wecom_settings_sealed_never_shown(world: World, login: Any, fake_wecom: Any) -> None:
    from mediadesk.core import crypto
    from mediadesk.private.models import WeComSettings, WelcomeMessage
    from tests.fakes.wecom import AES_KEY, CORP_ID, SECRET, TOKEN

    assert login(world.operator).get("/private/wecom/").status_code == 403
    c = login(world.manager)
    partial = {"action": "save", "corp_id": CORP_ID, "secret": SECRET, "monthly_limit": "4",
               "daily_limit": "2"}  # fmt: skip
    page = c.post("/private/wecom/", partial).content.decode()
    assert "首次保存需填写" in page and not WeComSettings.objects.exists()
    full = {**partial, "token": TOKEN, "aes_key": AES_KEY}
    assert c.post("/private/wecom/", full).status_code == 302
    cfg = WeComSettings.objects.get()
    assert (cfg.monthly_limit, cfg.daily_limit) == (4, 2)
    assert crypto.unseal(cfg.secret_sealed) == SECRET and SECRET not in cfg.secret_sealed
    page = c.get("/private/wecom/").content.decode()
    assert SECRET not in page and TOKEN not in page and AES_KEY not in page
    entry = AuditEntry.objects.get(action="private.wecom_settings")
    assert SECRET not in str(entry.changes)
    c.post("/private/wecom/", {"action": "welcome", "state": "qr1", "text": "欢迎"})
    assert WelcomeMessage.objects.get().text == "欢迎"
    assert c.post("/private/wecom/", {"action": "sync"}).status_code == 302
    assert "/cgi-bin/gettoken" in fake_wecom.calls


def test_benefit_tier_eligibility_and_grant(world: World, login: Any) -> None:
    from django.utils import timezone

    from mediadesk.private.models import BenefitGrant, BenefitTier

    now = timezone.now()
    services.ingest(world.org, [{"event_id": f"a{i}", "kind": "page_view", "at": now,
                                 "unionid": "A"} for i in range(3)]
                    + [{"event_id": "b", "kind": "page_view", "at": now, "unionid": "B"}])  # fmt: skip
    a, b = Member.objects.get(unionid="A"), Member.objects.get(unionid="B")
    c = login(world.manager)
    c.post("/private/benefits/", {"action": "tier", "name": "活跃", "min_events": "3",
                                  "benefit": "看房专车"})  # fmt: skip
    tier = BenefitTier.objects.get()
    page = c.get("/private/benefits/").content.decode()
    assert f"/private/members/{a.pk}/" in page and f"/private/members/{b.pk}/" not in page
    r = c.post(
        "/private/benefits/", {"action": "grant", "tier": tier.pk, "member": b.pk}, follow=True
    )
    assert "互动不足" in r.content.decode() and not BenefitGrant.objects.exists()
    c.post("/private/benefits/", {"action": "grant", "tier": tier.pk, "member": a.pk})
    assert BenefitGrant.objects.get().member_id == a.pk
    assert audit_actions("private_member", a.pk) == ["private.benefit"]


def test_stage_content_suggested_for_the_segment(world: World, login: Any) -> None:
    from mediadesk.engagement.models import StandardReply

    reply = StandardReply.objects.create(organisation=world.org, title="购房政策科普", text="…")
    other = StandardReply.objects.create(
        organisation=world.outsider.organisation, title="外部", text="…"
    )
    Segment.objects.create(organisation=world.org, name="兴趣", rules={"stage": "interest"})
    Segment.objects.create(organisation=world.org, name="忠诚", rules={"stage": "loyal"})
    c = login(world.manager)
    c.post("/private/segments/", {"action": "tag", "stage": "interest", "reply": other.pk})
    c.post("/private/segments/", {"action": "tag", "stage": "interest", "reply": reply.pk})
    from mediadesk.private.models import StageContent

    row = StageContent.objects.get()
    assert row.standard_reply_id == reply.pk
    assert audit_actions("private_stage_content", row.pk) == ["private.stage_content"]
    page = c.get("/private/segments/").content.decode()
    assert page.count("购房政策科普") >= 1 and page.count('data-testid="suggestions"') == 1


def test_member_list_bad_filter_is_a_message(world: World, login: Any) -> None:
    r = login(world.manager).get("/private/?project=abc&silent_days=x")
    assert r.status_code == 200 and "应为数字" in r.content.decode()
