"""Session actions, the post-live review form, 话术 editing and use in the console."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mediadesk.live import services
from mediadesk.live.models import Review, Script, Session
from tests.conftest import audit_actions
from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db


def test_status_buttons_move_the_session_and_cancel_needs_a_reason(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = login(world.operator)
    assert "status-actions" in c.get(f"/live/sessions/{session.pk}/").content.decode()
    url = f"/live/sessions/{session.pk}/status/"
    c.post(url, {"to": "cancelled"})
    assert Session.objects.get(pk=session.pk).status == "planned"
    c.post(url, {"to": "preparing"})
    assert Session.objects.get(pk=session.pk).status == "preparing"
    c.post(url, {"to": "cancelled", "reason": "暴雨"})
    s = Session.objects.get(pk=session.pk)
    assert (s.status, s.cancel_reason) == ("cancelled", "暴雨")
    assert audit_actions("live_session", session.pk).count("live_session.status") == 2
    assert login(world.operator_cd).post(url, {"to": "planned"}).status_code == 404


def test_review_form_saves_the_review_rates_scripts_and_marks_reviewed(
    login, world, account
) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    script = services.save_script(
        None, by=world.operator, organisation=world.org, usable=True,
        values={"category": "opening", "text": "欢迎来到{项目名}直播间"},
    )  # fmt: skip
    c = login(world.operator)
    page = c.get(f"/live/sessions/{session.pk}/review/").content.decode()
    assert "kpi-card" in page and "欢迎来到锦程·曲江府直播间" in page
    r = c.post(f"/live/sessions/{session.pk}/review/",
               {"worked": "福利讲清楚", "problems": "开场慢", "actions": "缩短开场",
                f"rate_{script.pk}": "4"})  # fmt: skip
    assert r.status_code == 302
    review = Review.objects.get(session=session)
    assert (review.worked, review.done_by) == ("福利讲清楚", world.operator)
    script.refresh_from_db()
    assert (script.rating_count, script.rating) == (1, 4.0)
    assert Session.objects.get(pk=session.pk).status == "reviewed"
    assert "live_session.review" in audit_actions("live_session", session.pk)
    assert login(world.operator_cd).get(f"/live/sessions/{session.pk}/review/").status_code == 404


def test_review_before_the_end_is_refused_and_writes_nothing(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    r = login(world.operator).post(f"/live/sessions/{session.pk}/review/", {"worked": "x"})
    assert r.status_code == 200 and "只有已结束的直播可以复盘" in r.content.decode()
    assert not Review.objects.exists()


def test_script_form_refuses_a_banned_term_as_usable_and_keeps_nothing(login, world) -> None:  # type: ignore[no-untyped-def]
    c = login(world.operator)
    assert c.get("/live/scripts/new/").status_code == 200
    r = c.post("/live/scripts/new/", {"category": "product", "text": "全网最低价", "usable": "1"})
    assert r.status_code == 200 and "法务放行" in r.content.decode()
    assert not Script.objects.exists()
    r = c.post("/live/scripts/new/", {"category": "leads", "text": "扣1领取{特价房源}",
                                      "usable": "1"})  # fmt: skip
    script = Script.objects.get()
    assert r.status_code == 302 and script.state == "usable" and script.author == world.operator
    assert audit_actions("live_script", script.pk) == ["live_script.save"]
    assert login(world.planner).get("/live/scripts/new/").status_code == 403


def test_console_card_use_counts_and_is_audited(login, world, account, anchor) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account, anchors=[anchor])
    script = services.save_script(
        None, by=world.operator, organisation=world.org, usable=True,
        values={"category": "follow", "text": "点关注，{下期时间}不见不散"},
    )  # fmt: skip
    c = login(anchor)
    assert "点关注" in c.get(f"/live/sessions/{session.pk}/console/").content.decode()
    c.post(f"/live/sessions/{session.pk}/scripts/{script.pk}/use/")
    script.refresh_from_db()
    assert script.usage_count == 1
    assert audit_actions("live_script", script.pk) == ["live_script.save", "live_script.use"]


SAMPLE = "场次编号,累计观看人数,最高在线人数,全场景留资人数,打赏金额\n"


def test_figures_import_page_maps_previews_and_writes_all_or_nothing(login, world, account) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mediadesk.live.models import Figures

    a = make_session(world, account)
    c = login(world.operator)
    bad = (SAMPLE + f"{a.pk},1.2万,620,96,—\n99999,10,1,1,\n").encode("gb18030")
    r = c.post("/live/figures/import/", {"preset": "douyin",
                                         "file": SimpleUploadedFile("复盘表.csv", bad)})  # fmt: skip
    assert r.status_code == 302
    page = c.get("/live/figures/import/preview/").content.decode()
    assert "第 3 行：找不到对应的直播场次" in page and "import-errors" in page
    mapping = {"map_0": "session", "map_1": "viewers", "map_2": "peak_online", "map_3": "leads"}
    r = c.post("/live/figures/import/preview/", {**mapping, "action": "confirm"})
    assert r.status_code == 200 and not Figures.objects.exists()
    good = (SAMPLE + f"{a.pk},1.2万,620,96,—\n").encode("gb18030")
    c.post("/live/figures/import/", {"preset": "douyin",
                                     "file": SimpleUploadedFile("复盘表.csv", good)})  # fmt: skip
    r = c.post("/live/figures/import/preview/", {**mapping, "map_1": "", "action": "preview"})
    assert "缺少「观看人数」列" in r.content.decode()
    r = c.post("/live/figures/import/preview/", {**mapping, "action": "confirm"})
    assert r.status_code == 302
    f = Figures.objects.get(session=a)
    assert (f.viewers, f.leads, f.peak_online, f.source) == (12000, 96, 620, "import")
    assert audit_actions("live_session", a.pk).count("live_session.figures") == 1
    r = c.post("/live/figures/import/", {"preset": "douyin",
                                         "file": SimpleUploadedFile("x.csv", b"\x00\x01")})  # fmt: skip
    assert r.status_code in (200, 302)
    assert login(world.planner).get("/live/figures/import/").status_code == 403


def test_dashboard_and_month_grid(login, world, account) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() - dt.timedelta(days=3)
    s = make_session(world, account, title="上周直播", planned_start=start,
                     planned_end=start + dt.timedelta(hours=2))  # fmt: skip
    services.save_figures(s, by=world.operator, values={"viewers": 800, "avg_online": 60,
                                                        "leads": 9})  # fmt: skip
    c = login(world.operator)
    body = c.get("/live/dashboard/").content.decode()
    assert "weekly" in body and "heatmap" in body and "800" in body and "60 / 9" in body
    assert "60 / 9" not in login(world.operator_cd).get("/live/dashboard/").content.decode()
    assert login(world.sales_a).get("/live/dashboard/").status_code == 403
    month = timezone.localtime(start).strftime("%Y-%m")
    body = login(world.operator).get(f"/live/?month={month}").content.decode()
    assert "month-grid" in body and "上周直播" in body


def test_a_session_campaign_form_captures_leads_carrying_the_session(login, world, account) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.leads.models import Campaign, Source, Touch

    session = make_session(world, account)
    c = login(world.manager)
    assert c.post(f"/live/sessions/{session.pk}/campaign/").status_code == 302
    campaign = Campaign.objects.get(live_session=session)
    assert campaign.source == Source.LIVE and campaign.account == account
    c.post(f"/live/sessions/{session.pk}/campaign/")  # once per session
    assert Campaign.objects.filter(live_session=session).count() == 1
    assert "live_session.campaign" in audit_actions("live_session", session.pk)
    page = c.get(f"/live/sessions/{session.pk}/").content.decode()
    assert f"/leads/f/{campaign.slug}/" in page
    c.logout()
    r = c.post(f"/leads/f/{campaign.slug}/", {"name": "王先生", "phone": "13912340000",
                                             "consent": "on"})  # fmt: skip
    assert r.status_code in (200, 302)
    touch = Touch.objects.get(campaign=campaign)
    assert touch.live_session_id == session.pk and touch.source == Source.LIVE


def test_edit_fills_the_run_of_show_and_ticks_the_script_item(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    stages = list(session.stages.all())
    c = login(world.operator)
    assert c.get(f"/live/sessions/{session.pk}/edit/").status_code == 200
    form = {"title": "曲江府开盘", "theme": "开盘钜惠", "planned_start": "2030-03-04T15:00",
            "planned_end": "2030-03-04T17:00", "target_leads": "80",
            **{f"stage_{s.pk}": f"{s.name}的话术" for s in stages}}  # fmt: skip
    assert c.post(f"/live/sessions/{session.pk}/edit/", form).status_code == 302
    session.refresh_from_db()
    assert (session.theme, session.target_leads) == ("开盘钜惠", 80)
    assert session.checklist.get(code="script").done
    assert audit_actions("live_session", session.pk).count("live_session.update") == 2
    bad = {**form, "planned_end": "2030-03-04T14:00", "theme": "改了"}
    r = c.post(f"/live/sessions/{session.pk}/edit/", bad)
    assert r.status_code == 200 and "结束时间必须晚于开始时间" in r.content.decode()
    session.refresh_from_db()
    assert session.theme == "开盘钜惠"
    assert login(world.operator_cd).get(f"/live/sessions/{session.pk}/edit/").status_code == 404
    assert login(world.planner).get(f"/live/sessions/{session.pk}/edit/").status_code == 403


def test_platform_lead_list_import_is_all_or_nothing_and_idempotent(login, world, account) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mediadesk.leads.models import Touch

    session = make_session(world, account)
    c = login(world.manager)
    url = f"/live/sessions/{session.pk}/leads/import/"
    bad = "手机号,姓名,留资时间\n13912340001,王,2030-03-04 15:20\n123,李,\n".encode("gb18030")
    r = c.post(url, {"file": SimpleUploadedFile("线索.csv", bad)})
    assert "第 3 行" in r.content.decode() and not Touch.objects.exists()
    r = c.post(url, {"action": "confirm"})
    assert r.status_code == 302 and not Touch.objects.exists()  # nothing stashed
    good = "手机号,姓名,留资时间\n13912340001,王,2025-03-04 15:20\n13912340002,李,\n".encode()
    r = c.post(url, {"file": SimpleUploadedFile("线索.csv", good)})
    assert "139****0001" in r.content.decode()
    r = c.post(url, {"action": "confirm"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    touches = Touch.objects.filter(live_session=session)
    assert touches.count() == 2 and {t.source for t in touches} == {"live"}
    assert audit_actions("live_session", session.pk).count("live_session.leads_import") == 1
    c.post(url, {"file": SimpleUploadedFile("线索.csv", good)})
    c.post(url, {"action": "confirm"})
    assert Touch.objects.filter(live_session=session).count() == 2
    assert login(world.operator_cd).get(url).status_code == 404


def test_review_shows_the_online_curve_with_stage_boundaries(login, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    curve = [10 * m for m in range(120)]
    services.save_figures(
        session, by=world.operator, values={"viewers": 900, "online_curve": curve}
    )
    for to in ("preparing", "live", "ended"):
        session = services.change_status(session, by=world.operator, to=to)
    body = login(world.operator).get(f"/live/sessions/{session.pk}/review/").content.decode()
    assert "online-curve" in body and body.count("stroke-dasharray") == 2  # 开场预热|产品介绍|总结
    with pytest.raises(ValidationError):
        services.save_figures(session, by=world.operator, values={"online_curve": [5, -1]})
    assert len(session.figures.online_curve) == 120


def test_plan_window_hints_follow_the_account_own_figures(login, world, account) -> None:  # type: ignore[no-untyped-def]
    from tests.live.conftest import at

    evening = make_session(world, account, title="晚场", planned_start=at(2030, 3, 5, 20),
                           planned_end=at(2030, 3, 5, 22))  # fmt: skip
    c = login(world.operator)
    body = c.get(f"/live/?month=2030-03&account={account.pk}").content.decode()
    assert "热门时段" in body and "本账号数据最好的时段" not in body
    services.save_figures(evening, by=world.operator, values={"viewers": 500, "avg_online": 80})
    body = c.get(f"/live/?month=2030-03&account={account.pk}").content.decode()
    assert "本账号数据最好的时段" in body and "20:00–21:00" in body
