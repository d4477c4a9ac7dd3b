"""The analytics lists through the API answer the pages' rows: the caller's own metric
imports (status and progress), A/B tests in scope, competitor accounts in scope."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.analytics import services_dash
from mediadesk.analytics.models import ImportBatch
from mediadesk.matrix.models import Platform
from tests.analytics.conftest import Posts, wechat_export
from tests.analytics.test_import import import_file
from tests.api.parity import assert_same_rows
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_my_imports_through_the_api(world: World, login: Any, api: Any, posts: Posts) -> None:
    batch = import_file(login(world.operator), posts, wechat_export(posts))
    listed = 0
    for user in (world.operator, world.operator_cd, world.manager, world.sales_a):
        listed += assert_same_rows(login(user), api(user), "/analytics/import/",
                                   "/api/v1/analytics/imports", [{}, {"status": batch.status}],
                                   limit=20)  # fmt: skip
    assert listed == 2  # the operator's two queries list the batch; nobody else sees it
    item = api(world.operator).get("/api/v1/analytics/imports").json()["items"][0]
    assert item["id"] == batch.pk and item["status"] == ImportBatch.Status.DONE
    assert item["created"] == batch.created and item["platform"] == "wechat_mp"


def test_abtests_and_benchmarks_through_the_api(world: World, login: Any, api: Any) -> None:
    for name in ("五月标题测试", "封面测试"):
        services_dash.create_abtest(
            by=world.operator,
            values={"name": name, "hypothesis": "h", "kind": "title", "metric": "click"},
            arms=[("甲", 1000, 50), ("乙", 1000, 80)],
        )
    cases = [{}, {"kind": "title"}, {"metric": "click"}, {"kind": "cover"}]
    listed = 0
    for user in (world.operator, world.operator_cd, world.manager, world.sales_a):
        listed += assert_same_rows(login(user), api(user), "/analytics/abtests/",
                                   "/api/v1/analytics/abtests", cases, limit=20)  # fmt: skip
    assert listed >= 4
    first = api(world.manager).get("/api/v1/analytics/abtests").json()["items"][0]
    assert first["name"] == "封面测试" and [a["exposures"] for a in first["arms"]] == [1000, 1000]
    from mediadesk.analytics.models import BenchmarkAccount

    BenchmarkAccount.objects.create(
        organisation=world.org, company=world.xian, name="竞品甲",
        platform=Platform.objects.get(code="douyin"),
    )  # fmt: skip
    names = [
        b["name"] for b in api(world.manager).get("/api/v1/analytics/benchmarks").json()["items"]
    ]
    assert names == ["竞品甲"]
    assert api(world.sales_a).get("/api/v1/analytics/benchmarks").status_code == 403
