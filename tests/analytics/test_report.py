"""效果评估报告: targets vs actual, status counts, attribution, Excel and the printable page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from mediadesk.analytics import services_dash
from mediadesk.content.models import Series
from tests.analytics.conftest import Posts
from tests.analytics.test_monitoring import PERIOD, seed_rows
from tests.conftest import World


@pytest.fixture
def seeded(world: World, posts: Posts) -> Posts:
    seed_rows(world, posts)
    services_dash.save_analysis(posts.wx_post, by=world.operator, analysis="标题平淡",
                                suggestion="换利益点标题", tags=["weak_content", "竞品同日开盘"])  # fmt: skip
    return posts


def test_report_page(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get("/analytics/report/", PERIOD)
    assert response.status_code == 200
    report = response.context["report"]
    goals = {g.label: (g.target, g.actual, g.rate.percent()) for g in report.goals}
    assert goals == {"曝光/播放": (500_000, 550_000, "110.0%"), "互动": (10_000, 8_200, "82.0%"),
                     "转化": (2_000, 2_200, "110.0%")}  # fmt: skip
    assert report.status_counts == {"未达标": 1, "超额达标": 1}
    tags = dict(report.attributions)  # the analyst's tags, plus those the hints seed elsewhere
    assert tags["内容吸引力不足"] == 1 and tags["竞品同日开盘"] == 1
    assert "换利益点标题" in report.suggestions
    html = response.content.decode()
    assert "打印 → 另存为 PDF" in html and "md-noprint" in html


def test_report_excel(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get("/analytics/report/", {**PERIOD, "format": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    cells = [c for r in rows for c in r if c is not None]
    assert "效果评估报告" in cells and "82.0%" in cells and "发布日期" in cells
    assert "标题平淡" in cells


def test_series_report_only_has_its_posts(world: World, seeded: Posts, login: Any) -> None:
    series = Series.objects.create(organisation=world.org, name="样板间", account=seeded.douyin)
    seeded.dy_post.series = series
    seeded.dy_post.save()
    from mediadesk.analytics.aggregates import rebuild_aggregates

    rebuild_aggregates(world.org.pk)
    response = login(world.operator).get("/analytics/report/", {**PERIOD, "series": series.pk})
    report = response.context["report"]
    assert report.title == "专辑“样板间”" and [r.variant_id for r in report.rows] == [
        seeded.dy_post.pk
    ]


def test_report_permissions(world: World, seeded: Posts, login: Any) -> None:
    assert login(world.sales_a).get("/analytics/report/").status_code == 403
    chengdu = login(world.operator_cd).get("/analytics/report/", PERIOD).context["report"]
    assert [r.topic for r in chengdu.rows] == ["天府新品"]
