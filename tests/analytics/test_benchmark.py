"""竞品 (benchmark) accounts: added and filled by analytics.edit, shown against own accounts."""

from __future__ import annotations

from typing import Any

from mediadesk.analytics.models import BenchmarkAccount, BenchmarkFigure
from mediadesk.matrix.models import Platform
from tests.analytics.conftest import Posts
from tests.analytics.test_monitoring import PERIOD, seed_rows
from tests.conftest import World, audit_actions


def test_add_competitor_and_figures(world: World, posts: Posts, login: Any) -> None:
    seed_rows(world, posts)
    client = login(world.operator)
    douyin = Platform.objects.get(code="douyin")
    response = client.post("/analytics/benchmarks/", {"b-platform": douyin.pk, "b-name": "华景西安",
                                                      "b-owner_name": "华景置业"})  # fmt: skip
    assert response.status_code == 302
    bench = BenchmarkAccount.objects.get()
    assert bench.company_id == world.xian.pk  # the operator's own scope
    client.post("/analytics/benchmarks/", {"f-benchmark": bench.pk, "f-date": "2024-05-01",
                                           "f-followers": 120_000, "f-posts": 2, "f-interactions": 9000})  # fmt: skip
    figure = BenchmarkFigure.objects.get()
    assert (figure.followers, figure.posts, figure.interactions) == (120_000, 2, 9000)
    assert audit_actions("benchmark_account", bench.pk) == [
        "analytics.benchmark", "analytics.benchmark_figure"]  # fmt: skip
    rows = client.get("/analytics/benchmarks/", PERIOD).context["comparison"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["华景西安（华景置业）"]["per_post"] == 4500
    own = by_name[posts.douyin.name]
    assert own["own"] and own["interactions"] == 40_000 and own["per_post"] == 40_000
    assert posts.chengdu.name not in by_name  # out of scope


def test_competitor_permissions(world: World, posts: Posts, login: Any) -> None:
    douyin = Platform.objects.get(code="douyin")
    assert login(world.sales_a).get("/analytics/benchmarks/").status_code == 403
    planner = login(world.planner)
    assert planner.get("/analytics/benchmarks/").status_code == 200
    assert (
        planner.post("/analytics/benchmarks/", {"b-platform": douyin.pk, "b-name": "x"}).status_code
        == 403
    )
    BenchmarkAccount.objects.create(
        organisation=world.org, company=world.chengdu, platform=douyin, name="成都竞品"
    )
    assert login(world.operator).get("/analytics/benchmarks/").context["comparison"] == []
    assert not BenchmarkAccount.objects.filter(name="x").exists()
