"""Template 3 (数据监测与分析表): the seed's two rows as page, Excel and API; inline analysis
editing (audited); permissions and scope."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from mediadesk.analytics.models import PostAnalysis
from mediadesk.analytics.queries import MONITORING_HEADERS
from tests.analytics.conftest import DY_ID, Posts, at, ingest
from tests.conftest import World, audit_actions

PERIOD = {"start": "2024-05-01", "end": "2024-05-07"}
API_KEYS = {
    "published_date", "topic", "platform", "exposure", "interactions", "interaction_rate",
    "conversions", "target_status", "analysis", "suggestion",
}  # fmt: skip


def seed_rows(world: World, posts: Posts) -> None:
    """The seed's rows: 公众号 28万 曝光 / 8,200 互动 (target 互动 1万+); 抖音 55万 播放 /
    3.2万 互动 / 2,200 转化 (targets 播放 50万+, 转化 2,000+). A 24 h snapshot too, so the
    table must pick the one closest to 72 h."""
    ingest(world.operator, "wechat_mp",
           {"url": posts.wx_post.published_url, "taken_at": at(24), "impressions": 100_000,
            "likes": 1000, "comments": 100, "shares": 100},
           {"url": posts.wx_post.published_url, "taken_at": at(72), "impressions": 280_000,
            "likes": 5000, "comments": 1200, "shares": 2000})  # fmt: skip
    ingest(world.operator, "douyin",
           {"external_id": DY_ID, "taken_at": at(70), "reads": 550_000, "likes": 25_000,
            "comments": 3000, "shares": 4000, "conv_leads": 2200},
           {"external_id": DY_ID, "taken_at": at(200), "reads": 900_000, "likes": 40_000})  # fmt: skip
    ingest(world.operator_cd, "douyin",
           {"variant": posts.cd_post.pk, "taken_at": at(72), "reads": 1000, "likes": 10})  # fmt: skip


@pytest.fixture
def seeded(world: World, posts: Posts) -> Posts:
    seed_rows(world, posts)
    return posts


def test_page_shows_the_seed_rows(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get("/analytics/monitoring/", PERIOD)
    assert response.status_code == 200
    rows = {r.variant_id: r for r in response.context["rows"]}
    assert set(rows) == {seeded.wx_post.pk, seeded.dy_post.pk}  # 成都 is out of scope
    wx, dy = rows[seeded.wx_post.pk], rows[seeded.dy_post.pk]
    assert (wx.exposure, wx.interactions, wx.rate.percent(), wx.status.label) == (
        280_000,
        8_200,
        "2.9%",
        "未达标",
    )
    assert (dy.exposure, dy.interactions, dy.conversions, dy.rate.percent(), dy.status.label) == (
        550_000, 32_000, 2_200, "5.8%", "超额达标")  # fmt: skip
    html = response.content.decode()
    for text in ("2.9%", "未达标", "5.8%", "超额达标", *MONITORING_HEADERS):
        assert text in html


def test_excel_has_exactly_the_template_headers(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get("/analytics/monitoring.xlsx", PERIOD)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(MONITORING_HEADERS)
    by_platform = {r[2]: r for r in rows[1:]}
    assert len(rows) == 3
    wx = by_platform[seeded.wechat.platform.name]
    dy = by_platform[seeded.douyin.platform.name]
    assert (wx[3], wx[4], wx[5], wx[7]) == (280_000, 8_200, "2.9%", "未达标")
    assert (dy[3], dy[4], dy[5], dy[6], dy[7]) == (550_000, 32_000, "5.8%", 2_200, "超额达标")
    assert "互动达成率 82.0%（8,200/10,000）" in str(wx[8])  # the generated hint cites its figures


def test_api_returns_the_same_rows(world: World, seeded: Posts, api: Any) -> None:
    response = api(world.operator).get("/api/v1/analytics/monitoring", PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert all(set(item) == API_KEYS for item in body["items"])
    got = {i["platform"]: i for i in body["items"]}
    wx, dy = got[seeded.wechat.platform.name], got[seeded.douyin.platform.name]
    assert (wx["exposure"], wx["interactions"], wx["interaction_rate"], wx["target_status"]) == (
        280_000,
        8_200,
        "2.9%",
        "未达标",
    )
    assert (dy["interaction_rate"], dy["conversions"], dy["target_status"]) == (
        "5.8%",
        2_200,
        "超额达标",
    )
    assert dy["published_date"] == "2024-05-01"


@pytest.mark.parametrize("params, field", [
    ({"start": "2024-05-07", "end": "2024-05-01"}, "end"),
    ({"start": "2024-13-01", "end": "2024-05-01"}, "start"),
    ({"end": "2024-05-01"}, "start"),
    ({"start": "2023-01-01", "end": "2024-05-01"}, "end"),
    ({**PERIOD, "limit": "0"}, "limit"),
])  # fmt: skip
def test_api_validates_params(world: World, api: Any, params: dict[str, str], field: str) -> None:
    response = api(world.operator).get("/api/v1/analytics/monitoring", params)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_api_permissions_and_scope(world: World, seeded: Posts, api: Any, client: Any) -> None:
    assert client.get("/api/v1/analytics/monitoring", PERIOD).status_code == 401
    assert api(world.sales_a).get("/api/v1/analytics/monitoring", PERIOD).status_code == 403
    chengdu = api(world.operator_cd).get("/api/v1/analytics/monitoring", PERIOD).json()
    assert [i["topic"] for i in chengdu["items"]] == ["天府新品"]
    outsider = api(world.outsider).get("/api/v1/analytics/monitoring", PERIOD)
    assert outsider.status_code == 200 and outsider.json()["count"] == 0  # another organisation


def test_page_permissions(world: World, seeded: Posts, login: Any, client: Any) -> None:
    assert client.get("/analytics/monitoring/").status_code == 302  # to the login page
    assert login(world.sales_a).get("/analytics/monitoring/").status_code == 403
    assert login(world.sales_a).get("/analytics/monitoring.xlsx").status_code == 403
    planner = login(world.planner).get("/analytics/monitoring/", PERIOD)
    assert planner.status_code == 200 and not planner.context["can_edit"]


def test_analyst_edits_text_and_tags_inline(world: World, seeded: Posts, login: Any) -> None:
    url = f"/analytics/monitoring/{seeded.wx_post.pk}/edit/"
    client = login(world.operator)
    form = client.get(url)
    assert form.status_code == 200 and "互动达成率 82.0%" in form.content.decode()
    response = client.post(url, {"analysis": "标题平淡", "suggestion": "换成利益点标题",
                                 "tags": ["weak_content", "bad_time"], "custom": "竞品同日开盘"})  # fmt: skip
    assert response.status_code == 200 and "标题平淡" in response.content.decode()
    note = PostAnalysis.objects.get(variant=seeded.wx_post)
    assert (note.analysis, note.suggestion) == ("标题平淡", "换成利益点标题")
    assert note.tags == ["weak_content", "bad_time", "竞品同日开盘"]
    assert note.tag_labels() == ["内容吸引力不足", "发布时间不当", "竞品同日开盘"]
    assert audit_actions("variant", seeded.wx_post.pk)[-1] == "analytics.analysis"
    api_row = client.get("/analytics/monitoring.xlsx", PERIOD)
    assert api_row.content[:2] == b"PK"
    rows = list(
        load_workbook(io.BytesIO(api_row.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert any(r[8] == "标题平淡" and r[9] == "换成利益点标题" for r in rows[1:])


def test_edit_is_refused_without_the_right(world: World, seeded: Posts, login: Any) -> None:
    url = f"/analytics/monitoring/{seeded.wx_post.pk}/edit/"
    assert login(world.planner).post(url, {"analysis": "x"}).status_code == 403
    assert login(world.operator_cd).post(url, {"analysis": "x"}).status_code == 404
    assert not PostAnalysis.objects.exists()


def test_too_long_text_is_a_field_error(world: World, seeded: Posts, login: Any) -> None:
    url = f"/analytics/monitoring/{seeded.wx_post.pk}/edit/"
    response = login(world.operator).post(url, {"analysis": "长" * 1001, "suggestion": ""})
    assert response.status_code == 200 and "1000" in response.content.decode()
    assert not PostAnalysis.objects.exists()


def test_empty_period_has_a_helpful_message(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get(
        "/analytics/monitoring/", {"start": "2020-01-01", "end": "2020-01-07"}
    )
    assert "没有已发布且有数据的内容" in response.content.decode()
