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
