"""GET /api/v1/platforms, /api/v1/projects and /api/v1/audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Platform
from tests.api.conftest import Tree, json_patch
from tests.conftest import World


def test_platforms_list_every_platform_with_its_limits(world: World, api: Any) -> None:
    r = api(world.sales_a).get("/api/v1/platforms")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == Platform.objects.count() >= 10
    douyin = next(p for p in data["items"] if p["code"] == "douyin")
    platform = Platform.objects.get(code="douyin")
    assert douyin == {
        "id": platform.pk, "code": "douyin", "name": "抖音", "name_max_len": platform.name_max_len,
        "bio_max_len": platform.bio_max_len, "title_max_len": platform.title_max_len,
        "body_max_len": platform.body_max_len, "daily_send_quota": platform.daily_send_quota,
        "monthly_send_quota": platform.monthly_send_quota, "supports_live": platform.supports_live,
        "has_api": platform.has_api, "is_active": True,
    }  # fmt: skip


def test_platforms_are_paginated(world: World, api: Any) -> None:
    client = api(world.manager)
    total = Platform.objects.count()
    page = client.get("/api/v1/platforms", {"limit": 3, "offset": 3}).json()
    assert page["count"] == total
    everything = client.get("/api/v1/platforms").json()["items"]
    assert [p["code"] for p in page["items"]] == [p["code"] for p in everything[3:6]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("manager", {"qujiang", "yunjing", "tianfu"}), ("manager_xa", {"qujiang", "yunjing"}),
     ("sales_a", {"qujiang"}), ("operator_cd", {"tianfu"}), ("outsider", set())],
)  # fmt: skip
def test_projects_are_those_the_user_may_see(
    world: World, api: Any, persona: str, expected: set[str]
) -> None:
    r = api(getattr(world, persona)).get("/api/v1/projects")
    assert r.status_code == 200
    data = r.json()
    by_id = {
        getattr(world, name).pk: getattr(world, name) for name in ("qujiang", "yunjing", "tianfu")
    }
    assert {p["id"] for p in data["items"]} == {getattr(world, name).pk for name in expected}
    assert data["count"] == len(expected)
    for item in data["items"]:
        project = by_id[item["id"]]
        assert (item["name"], item["company"]) == (project.name, project.company_id)


def test_projects_are_paginated(world: World, api: Any) -> None:
    data = api(world.manager).get("/api/v1/projects", {"limit": 1, "offset": 1}).json()
    assert data["count"] == 3
    assert len(data["items"]) == 1


# --- audit -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales_a", "operator", "planner", "legal", "channel"])
def test_only_managers_and_admins_read_the_audit(
    world: World, tree: Tree, api: Any, persona: str
) -> None:
    r = api(getattr(world, persona)).get("/api/v1/audit")
    assert r.status_code == 403
    assert r.json()["detail"]


@pytest.mark.parametrize("persona", ["admin", "manager", "manager_xa"])
def test_managers_and_admins_read_the_audit(
    world: World, tree: Tree, api: Any, persona: str
) -> None:
    data = api(getattr(world, persona)).get("/api/v1/audit", {"target_type": "account"}).json()
    assert data["count"] == 3
    assert {i["target_id"] for i in data["items"]} == {
        str(a.pk) for a in (tree.brand, tree.xian, tree.chengdu)
    }


def test_audit_filters_by_action_and_dates(world: World, tree: Tree, api: Any) -> None:
    json_patch(api(world.manager), f"/api/v1/accounts/{tree.xian.pk}", {"followers": 10})
    client = api(world.manager)
    updates = client.get("/api/v1/audit", {"action": "account.update"}).json()
    assert [(i["action"], i["target_id"], i["changes"]) for i in updates["items"]] == [
        ("account.update", str(tree.xian.pk), {"followers": [None, 10]})
    ]
    today = timezone.localdate()
    assert (
        client.get("/api/v1/audit", {"target_type": "account", "since": today.isoformat()}).json()[
            "count"
        ]
        == 4
    )
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit", {"since": tomorrow}).json()["count"] == 0
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit", {"until": yesterday}).json()["count"] == 0


def test_audit_is_newest_first_and_paginated(world: World, tree: Tree, api: Any) -> None:
    client = api(world.manager)
    total = AuditEntry.objects.count()
    first = client.get("/api/v1/audit", {"limit": 2}).json()
    rest = client.get("/api/v1/audit", {"limit": 500, "offset": 2}).json()
    assert first["count"] == rest["count"] == total
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == total


@pytest.mark.parametrize(
    "params",
    [{"since": "yesterday"}, {"until": "2024-13-01"}, {"target_type": "x" * 41}, {"limit": 1000}],
)
def test_bad_audit_parameters_are_422(world: World, api: Any, params: dict[str, Any]) -> None:
    r = api(world.manager).get("/api/v1/audit", params)
    assert r.status_code == 422
    assert r.json()["errors"]
