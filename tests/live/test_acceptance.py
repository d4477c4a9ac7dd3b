"""The acceptance list of spec 05-live.md, one test each, plus the bad-input cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mediadesk.commissions import services as commissions
from mediadesk.commissions.models import Incentive, LiveSessionFigure, Statement
from mediadesk.content.models import Variant
from mediadesk.leads.models import Source, Touch
from mediadesk.live import imports, queries, services
from mediadesk.live.models import Figures, Script, Session, SessionType
from tests.conftest import audit_actions
from tests.live.conftest import at, make_session, png

pytestmark = pytest.mark.django_db


def item(session: Session, code: str) -> bool:
    return session.checklist.get(code=code).done


def test_mon_wed_fri_plan_makes_a_month_with_a_city_leader_session(world, account) -> None:  # type: ignore[no-untyped-def]
    sessions = services.generate_plan(by=world.operator, account=account, year=2030, month=3)
    days = [s.planned_start.date() for s in sessions]
    assert 12 <= len([s for s in sessions if s.type != SessionType.LEADER]) <= 14
    assert all(d.weekday() in (0, 2, 4) for d, s in zip(days, sessions, strict=True)
               if s.type != SessionType.LEADER)  # fmt: skip
    leader = Session.objects.get(account=account, type=SessionType.LEADER)
    assert leader.planned_start.day == 20 and leader.guest
    services.add_offer(leader, by=world.operator, values={
        "project": world.qujiang, "unit": "3号楼1201", "area": 118, "list_price": 2_360_000,
        "offer_price": 2_180_000, "quantity": 2})  # fmt: skip
    assert leader.offers.get().offer_price == 2_180_000
    assert audit_actions("live_session", leader.pk) == ["live_session.create", "live_session.offer"]
    assert Session.objects.filter(account=account).count() == len(sessions)


def test_eleven_character_title_keeps_the_title_item_open(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account, title="锦程曲江府开盘钜惠直播")
    assert len("锦程曲江府开盘钜惠直播") == 11 and not item(session, "title_length")
    services.update_session(session, by=world.operator, values={"title": "曲江府开盘钜惠"})
    assert item(session, "title_length")
    assert "live_session.update" in audit_actions("live_session", session.pk)


@pytest.mark.parametrize(("size", "square"), [((1200, 1200), True), ((1080, 1920), False)])
def test_cover_square_item_follows_the_image_size(world, account, size, square) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    upload = SimpleUploadedFile("c.png", png(size), content_type="image/png")
    services.set_cover(session, by=world.operator, upload=upload)
    assert item(session, "cover_square") is square
    assert (session.cover_width, session.cover_height) == size


def test_a_cover_that_is_not_an_image_is_refused(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    with pytest.raises(ValidationError, match="不是有效的图片"):
        services.set_cover(session, by=world.operator,
                           upload=SimpleUploadedFile("c.png", b"not an image"))  # fmt: skip
    session.refresh_from_db()
    assert not session.cover and not item(session, "cover_square")


@pytest.mark.parametrize(("before", "done"), [(dt.timedelta(hours=2, minutes=5), True),
                                              (dt.timedelta(hours=1), False)])  # fmt: skip
def test_warmup_item_needs_the_variant_published_two_hours_before(
    world, account, before, done
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    variant = Variant.objects.get(item=session.warmup_item, account=account)
    assert session.warmup_item.form == "live_teaser" and not item(session, "warmup_video")
    Variant.objects.filter(pk=variant.pk).update(
        status="published", published_at=session.planned_start - before
    )
    services.refresh_checklist(session)
    assert item(session, "warmup_video") is done


def test_a_script_with_a_banned_term_is_not_usable_without_legal(world) -> None:  # type: ignore[no-untyped-def]
    values = {"category": Script.Category.PRODUCT, "text": "{项目名}全网最低价，错过再等一年"}
    with pytest.raises(ValidationError, match="法务放行"):
        services.save_script(None, by=world.operator, organisation=world.org, values=values,
                             usable=True)  # fmt: skip
    assert not Script.objects.exists()
    with pytest.raises(PermissionDenied):
        services.save_script(None, by=world.operator, organisation=world.org, values=values,
                             usable=True, override_reason="我说可以")  # fmt: skip
    draft = services.save_script(None, by=world.operator, organisation=world.org, values=values)
    assert draft.state == Script.State.DRAFT
    world.legal.role_grants.create(role="manager", organisation=world.org)
    ok = services.save_script(draft, by=world.legal, organisation=world.org, values=values,
                              usable=True, override_reason="引用第三方统计，附出处")  # fmt: skip
    assert ok.state == Script.State.USABLE and ok.override_reason
    assert audit_actions("live_script", ok.pk) == ["live_script.save", "live_script.save"]


SAMPLE = (
    "场次ID,观看人数,观看人次,最高在线人数,人均观看时长,涨粉量,评论人数,全场景留资人数,打赏金额\n"
)


def test_import_sets_viewers_and_leads_and_console_leads_show_on_the_session(
    world, account, anchor
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    data = (SAMPLE + f"{session.pk},1.2万,18500,620,3分20秒,360,840,96,—\n").encode("gb18030")
    table = imports.read(SimpleUploadedFile("复盘表.csv", data))
    assert imports.confirm(table, user=world.operator) == 1
    f = Figures.objects.get(session=session)
    assert (f.viewers, f.leads, f.avg_watch_seconds, f.views) == (12000, 96, 200, 18500)
    lead_rate = queries_rates(f)["lead_rate"]
    assert (lead_rate.numerator, lead_rate.denominator) == (96, 12000)
    assert round(lead_rate.value * 100, 1) == 0.8
    imports.confirm(table, user=world.operator)  # idempotent: no second audit entry
    assert audit_actions("live_session", session.pk).count("live_session.figures") == 1
    for phone in ("13800138001", "13800138002"):
        services.capture_lead(session, by=anchor, phone=phone, note="问价")
    touches = Touch.objects.filter(live_session=session)
    assert touches.count() == 2 and {t.source for t in touches} == {Source.LIVE}
    assert queries.session_leads(session)["count"] == 2


def queries_rates(f: Figures):  # type: ignore[no-untyped-def]
    from mediadesk.live import rules

    return rules.rates({k: getattr(f, k) for k in ("viewers", "new_followers", "fan_club_joins",
                                                  "commenters", "leads")})  # fmt: skip


def test_an_import_with_a_bad_row_writes_nothing(world, account) -> None:  # type: ignore[no-untyped-def]
    a = make_session(world, account)
    b = make_session(world, account, planned_start=at(2030, 3, 6), planned_end=at(2030, 3, 6, 17))
    data = (SAMPLE + f"{a.pk},12000,18500,620,200,360,840,96,\n"
            f"{b.pk},500,400,450,200,1,2,3,\n").encode()  # fmt: skip
    table = imports.read(SimpleUploadedFile("x.csv", data))
    with pytest.raises(ValidationError, match="第 3 行：最高在线不能大于观看人次"):
        imports.confirm(table, user=world.operator)
    assert not Figures.objects.exists()


def test_live_incentive_reads_the_imported_figure_without_hand_entry(world, account) -> None:  # type: ignore[no-untyped-def]
    commissions.save_incentive(
        None, by=world.manager, organisation=world.org,
        values={"name": "直播留资奖", "project": world.qujiang, "kind": Incentive.Kind.LIVE_SESSION,
                "valid_from": dt.date(2024, 1, 1), "min_leads": 80, "leads_bonus_fen": 500_00},
        members=[world.operator], tiers=[],
    )  # fmt: skip
    session = make_session(world, account, planned_start=at(2025, 1, 6),
                           planned_end=at(2025, 1, 6, 17))  # fmt: skip
    data = (SAMPLE + f"{session.pk},12000,18500,620,200,360,840,96,\n").encode()
    imports.confirm(imports.read(SimpleUploadedFile("x.csv", data)), user=world.operator)
    figure = LiveSessionFigure.objects.get()
    assert figure.leads == 96 and figure.note == f"直播场次#{session.pk} 平台数据"
    commissions.settle_month(organisation=world.org, month=dt.date(2025, 1, 1), by=world.manager)
    st = Statement.objects.get(person=world.operator, month=dt.date(2025, 1, 1))
    assert (
        sum(st.lines.filter(incentive__isnull=False).values_list("amount_fen", flat=True)) == 500_00
    )


def test_session_ending_before_it_starts_is_refused(world, account) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="结束时间必须晚于开始时间"):
        make_session(world, account, planned_end=at(2030, 3, 4, 14))
    assert not Session.objects.exists()


def test_status_changes_are_audited_and_checked(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    with pytest.raises(ValidationError):
        services.change_status(session, by=world.operator, to="ended")
    with pytest.raises(ValidationError, match="原因"):
        services.change_status(session, by=world.operator, to="cancelled")
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    services.save_review(session, by=world.operator, values={"worked": "福利", "problems": "长",
                                                             "actions": "缩短"})  # fmt: skip
    session.refresh_from_db()
    assert session.status == "reviewed" and session.actual_end is not None
    assert audit_actions("live_session", session.pk).count("live_session.status") == 4


def test_confirm_items_record_who_and_auto_items_cannot_be_confirmed(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    confirmed = services.confirm_item(session, "music_volume", by=world.operator)
    assert confirmed.done and confirmed.confirmed_by == world.operator
    with pytest.raises(ValidationError):
        services.confirm_item(session, "title_length", by=world.operator)
    with pytest.raises(PermissionDenied):
        services.confirm_item(session, "environment", by=world.operator_cd)
    assert services.readiness(session)[1] == 10


def test_profile_and_compliance_items(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    assert item(session, "profile_slots") and item(session, "compliance")
    services.update_session(session, by=world.operator, values={"script": "全网最低价，仅此一次"})
    assert not item(session, "compliance")
    world.legal.role_grants.all()
    services.override_compliance(session, by=world.legal, reason="已改口径，附证明")
    assert item(session, "compliance")


def test_overdue_items_notify_anchor_and_operator_once(world, account, anchor) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from mediadesk.live.jobs import remind_overdue
    from mediadesk.notifications.models import Notification

    start = timezone.now() + dt.timedelta(hours=1)
    session = make_session(world, account, planned_start=start,
                           planned_end=start + dt.timedelta(hours=2), anchors=[anchor])  # fmt: skip
    sent = remind_overdue(now=timezone.now())
    open_overdue = session.checklist.filter(done=False, due_at__lte=timezone.now()).count()
    assert sent == open_overdue > 0
    assert Notification.objects.filter(recipient=anchor, kind="live.checklist").count() == sent
    assert Notification.objects.filter(recipient=world.operator).count() == sent
    assert remind_overdue(now=timezone.now()) == 0
