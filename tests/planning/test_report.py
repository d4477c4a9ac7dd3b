"""The 部门月报 from the data: every section, Excel, the robot's markdown; scorecard export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mediadesk.planning import reports, services
from tests.analytics.conftest import Posts, at, ingest
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_monthly_report_fills_its_sections_from_the_data(
    world: World, posts: Posts, login: Any
) -> None:
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(48), "reads": 28_000},
    )
    services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "五月曝光", "level": "team", "start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31),
        "owner": world.planner, "top_level_reason": "演示",
        "key_results": [{"metric": "exposure", "target": 56_000, "scope": {"platforms": ["wechat_mp"]}}],
    })  # fmt: skip
    sections = {
        str(s["title"]): s["rows"]
        for s in reports.department_report(world.org.pk, dt.date(2024, 5, 1))
    }
    assert sections["目标进度"] == [("五月曝光", "未达成 · 50%")]
    assert dict(sections["内容产出"])["曝光量"] == 28_000
    assert sections["表现最好的发布"][0][1] == 28_000
    client = login(world.manager)
    page = client.get(reverse("planning:monthly_report") + "?month=2024-05").content.decode()
    assert page.count('data-testid="report-section"') == len(sections) and "五月曝光" in page
    xlsx = client.get(reverse("planning:monthly_report") + "?month=2024-05&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and ("目标进度", "五月曝光", "未达成 · 50%") in list(sheet.values)
    text = reports.markdown(reports.department_report(world.org.pk, dt.date(2024, 5, 1)),
                            dt.date(2024, 5, 1), "http://x/planning/reports/monthly/?month=2024-05", "请关注曝光")  # fmt: skip
    assert "## 部门月报 2024-05" in text and "> 请关注曝光" in text and "?month=2024-05)" in text


def test_scorecard_export_needs_the_edit_permission(world: World, login: Any, api: Any) -> None:
    api(world.manager).get("/api/v1/scorecards?month=2024-05")
    ok = login(world.manager).get(reverse("planning:scorecards_export") + "?month=2024-05")
    rows = list(load_workbook(io.BytesIO(ok.content)).active.values)  # type: ignore[union-attr]
    assert rows[0] == ("排名", "人员", "岗位", "总分", "状态") and len(rows) > 2
    assert login(world.planner).get(reverse("planning:scorecards_export")).status_code == 403


def test_every_section_of_the_month_is_filled_from_the_records(
    world: World, posts: Posts, account: Any, anchor: Any, draft: Any
) -> None:
    from django.utils import timezone

    from mediadesk.engagement.models import Grade, Incident, Message
    from mediadesk.live import services as live
    from mediadesk.matrix.models import Platform
    from mediadesk.planning import scorecards
    from mediadesk.review import services as review
    from mediadesk.review.models import StepState
    from tests.live.conftest import at as live_at
    from tests.live.conftest import make_session

    ingest(world.operator, "wechat_mp",
           {"url": posts.wx_post.published_url, "taken_at": at(48), "reads": 28_000})  # fmt: skip
    session = make_session(world, account, anchors=[anchor], planned_start=live_at(2024, 5, 8),
                           planned_end=live_at(2024, 5, 8, 17))  # fmt: skip
    for to in ("preparing", "live", "ended"):
        session = live.change_status(session, by=world.operator, to=to)
    live.save_figures(session, by=world.operator, values={"viewers": 900, "views": 1500})
    live.capture_lead(session, by=anchor, phone="13800138009")
    may = timezone.make_aware(dt.datetime(2024, 5, 10, 9))
    Message.objects.create(organisation=world.org, platform=Platform.objects.get(code="weibo"),
                           kind="comment", external_id="m1", text="几点开放", received_at=may,
                           status="replied", polarity="neutral", due_at=may + dt.timedelta(hours=1),
                           first_response_at=may + dt.timedelta(minutes=20))  # fmt: skip
    grade = Grade.objects.create(organisation=world.org, level=2, name="二级", response_hours=2)
    Incident.objects.create(organisation=world.org, title="曲江府：红色关键词", grade=grade,
                            detected_at=may, first_response_due=may + dt.timedelta(hours=2))  # fmt: skip
    run = review.submit_item(draft(), by=world.operator)
    review.approve_step(StepState.objects.get(run=run, order=1), by=world.planner)
    StepState.objects.filter(run=run, order=1).update(
        started_at=may, acted_at=may + dt.timedelta(hours=5)
    )
    scorecards.compute_month(world.manager, dt.date(2024, 5, 1))
    services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "五月曝光", "level": "team", "start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31),
        "owner": world.planner, "top_level_reason": "演示",
        "key_results": [{"metric": "exposure", "target": 56_000, "scope": {"platforms": ["wechat_mp"]}}],
    })  # fmt: skip
    sections = {str(s["title"]): dict(s["rows"])
                for s in reports.department_report(world.org.pk, dt.date(2024, 5, 1))}  # fmt: skip
    assert all(sections.values()), [t for t, rows in sections.items() if not rows]
    assert (
        sections["直播场次与 KPI"]["直播场次"] == 1 and sections["直播场次与 KPI"]["直播留资"] == 1
    )
    assert sections["直播场次与 KPI"]["观看人次"] == 1500
    assert sections["首响 SLA"]["首响达标率(%)"] == 100 and sections["舆情事件"]["事件数"] == 1
    assert sections["审核用时中位数(小时)"]["一审 内容策划"] == 5.0
    assert set(sections["线索 → 到访 → 成交"]) == {"线索", "到访", "成交套数", "成交金额(元)"}
