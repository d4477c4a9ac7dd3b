"""Overview dashboard, account page and the 公众号/小程序 panels: figures from the aggregates,
period-over-period change, pinned query counts, permissions and scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mediadesk.analytics.models import AccountDaily, MiniProgramDaily
from tests.analytics.conftest import Posts
from tests.analytics.test_monitoring import PERIOD, seed_rows
from tests.conftest import World


@pytest.fixture
def seeded(world: World, posts: Posts) -> Posts:
    seed_rows(world, posts)
    for day, new, cancelled, followers in ((1, 300, 100, 50_200), (2, 50, 80, 50_170)):
        AccountDaily.objects.create(account=posts.wechat, organisation=world.org,
                                    date=dt.date(2024, 5, day), new_followers=new,
                                    cancelled_followers=cancelled, followers=followers)  # fmt: skip
    AccountDaily.objects.create(account=posts.chengdu, organisation=world.org,
                                date=dt.date(2024, 5, 1), new_followers=999, cancelled_followers=0)  # fmt: skip
    MiniProgramDaily.objects.create(organisation=world.org, project=world.qujiang,
                                    date=dt.date(2024, 5, 2), visit_uv=400, buyers=4)  # fmt: skip
    return posts


def kpi(response: Any, label: str) -> Any:
    return next(k for k in response.context["kpis"] if k.label == label)


def test_overview_figures_in_scope(world: World, seeded: Posts, login: Any,
                                   django_assert_max_num_queries: Any) -> None:  # fmt: skip
    client = login(world.operator)
    client.get("/analytics/", PERIOD)  # warm the session/grant caches
    with django_assert_max_num_queries(20):
        response = client.get("/analytics/", PERIOD)
    assert response.status_code == 200
    # current (latest) figures of the 西安 posts; 成都 is out of scope
    assert kpi(response, "曝光量").value == 280_000 + 900_000
    assert kpi(response, "互动量").value == 8_200 + 40_000
    rate = kpi(response, "互动率")
    assert (rate.ratio.numerator, rate.ratio.denominator) == (48_200, 1_180_000)
    assert kpi(response, "净增粉").value == (300 - 100) + (50 - 80)
    assert kpi(response, "发布数").previous == 0 and kpi(response, "发布数").change is None
    html = response.content.decode()
    assert "互动量 48200 ÷ 曝光量 1180000" in html and 'id="chart-data"' in html
    assert "<script>" not in html.replace("<script src=", "")  # no inline scripts (CSP)
    data = json.loads(
        html.split('id="chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["dates"][0] == "2024-05-01" and data["exposure"][0] == 1_180_000
    assert {p["name"] for p in data["platforms"]} == {
        seeded.wechat.platform.name,
        seeded.douyin.platform.name,
    }


def test_period_over_period_change(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get(
        "/analytics/", {"start": "2024-05-08", "end": "2024-05-14"}
    )
    exposure = kpi(response, "曝光量")
    assert (exposure.value, exposure.previous) == (0, 1_180_000)
    assert exposure.change.percent() == "-100.0%"


def test_wechat_and_mini_program_panels(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get("/analytics/panels/", PERIOD)
    wechat, mini = response.context["wechat"], response.context["mini"]
    assert wechat["followers"] == 50_170  # the last known figure in the period
    assert mini["viewers"] == 400 and mini["buyers"] == 4 and mini["buy_rate"].percent() == "1.0%"
    assert "活跃度 = (阅读人数 + 互动量) ÷ 期末粉丝数" in response.content.decode()


def test_overview_permissions(world: World, seeded: Posts, login: Any, client: Any) -> None:
    assert client.get("/analytics/").status_code == 302
    assert login(world.sales_a).get("/analytics/").status_code == 403
    assert login(world.sales_a).get("/analytics/panels/").status_code == 403
    chengdu = login(world.operator_cd).get("/analytics/", PERIOD)
    assert kpi(chengdu, "曝光量").value == 1000 and kpi(chengdu, "净增粉").value == 999


def test_bad_period_falls_back_with_a_message(world: World, seeded: Posts, login: Any) -> None:
    response = login(world.operator).get(
        "/analytics/", {"start": "2024-05-07", "end": "2024-05-01"}
    )
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()


def test_account_page(world: World, seeded: Posts, login: Any) -> None:
    client = login(world.operator)
    response = client.get(f"/analytics/accounts/{seeded.douyin.pk}/", PERIOD)
    assert response.status_code == 200
    charts = response.context["charts"]
    # the heatmap uses 18–30 h snapshots only: 抖音 has 70 h and 200 h ones
    assert charts["heatmap"] == []
    wechat = client.get(f"/analytics/accounts/{seeded.wechat.pk}/", PERIOD).context["charts"]
    assert wechat["heatmap"] == [[20, 2, 1.2]]  # Wednesday 20:00, 1,200 / 100,000 at 24 h
    assert wechat["followers"]["followers"] == [50_200, 50_170]
    assert response.context["top"][0]["title"] == "样板间实拍"
    assert (
        login(world.operator_cd).get(f"/analytics/accounts/{seeded.douyin.pk}/").status_code == 404
    )
    assert login(world.sales_a).get(f"/analytics/accounts/{seeded.douyin.pk}/").status_code == 403
