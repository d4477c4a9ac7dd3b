"""Review API: the list, acting on steps and submitting, with the shared error format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mediadesk.review import services
from mediadesk.review.models import ReviewRun, StepState
from tests.conftest import audit_actions
from tests.review.conftest import RISKY_BODY

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_list_requires_login_and_content_view(
    client: Any, api: Any, world: Any, draft: Any
) -> None:
    services.submit_item(draft(), by=world.operator)
    assert client.get("/api/v1/reviews").status_code == 401
    assert api(world.sales_a).get("/api/v1/reviews").status_code == 403
    assert api(world.operator_cd).get("/api/v1/reviews").json()["count"] == 0
    data = api(world.planner).get("/api/v1/reviews?status=active").json()
    assert data["count"] == 1
    run = data["items"][0]
    assert run["item_title"] == "曲江府园林开放" and [s["status"] for s in run["steps"]] == [
        "pending",
        "waiting",
        "waiting",
    ]
    assert api(world.planner).get("/api/v1/reviews?status=bogus").status_code == 422


def test_submit_then_approve_through_the_api(api: Any, world: Any, draft: Any) -> None:
    item = draft()
    assert post(api(world.sales_a), f"/api/v1/content/items/{item.pk}/submit").status_code == 403
    assert (
        post(api(world.operator_cd), f"/api/v1/content/items/{item.pk}/submit").status_code == 404
    )
    assert post(api(world.legal), f"/api/v1/content/items/{item.pk}/submit").status_code == 403
    created = post(api(world.operator), f"/api/v1/content/items/{item.pk}/submit")
    assert created.status_code == 201
    run_id = created.json()["id"]
    again = post(api(world.operator), f"/api/v1/content/items/{item.pk}/submit")
    assert again.status_code == 409 and "已在审核中" in again.json()["detail"]
    own = post(api(world.operator), f"/api/v1/reviews/{run_id}/steps/1/approve")
    assert own.status_code == 403
    ok = post(api(world.planner), f"/api/v1/reviews/{run_id}/steps/1/approve", {"comment": "好"})
    assert ok.status_code == 200 and ok.json()["steps"][0]["acted_by_name"] == "planner"
    stale = post(api(world.manager_xa), f"/api/v1/reviews/{run_id}/steps/1/approve")
    assert stale.status_code == 409
    assert audit_actions("review_run", run_id) == ["review.submit", "review.approve"]


def test_changes_needs_a_comment_and_unknown_fields_are_refused(
    api: Any, world: Any, draft: Any
) -> None:
    run = services.submit_item(draft(), by=world.operator)
    client = api(world.planner)
    missing = post(client, f"/api/v1/reviews/{run.pk}/steps/1/changes")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {"field": "comment", "message": "要求修改时必须填写修改意见"}
    ]
    assert (
        post(client, f"/api/v1/reviews/{run.pk}/steps/1/changes", {"note": "x"}).status_code == 422
    )
    assert (
        post(client, f"/api/v1/reviews/{run.pk}/steps/9/changes", {"comment": "x"}).status_code
        == 404
    )
    done = post(client, f"/api/v1/reviews/{run.pk}/steps/1/changes", {"comment": "改标题"})
    assert done.status_code == 200 and done.json()["status"] == "changes"
    assert StepState.objects.get(run=run, order=1).comment == "改标题"


def test_override_through_the_api(api: Any, world: Any, draft: Any) -> None:
    run = services.submit_item(draft(body=RISKY_BODY), by=world.operator)
    post(api(world.planner), f"/api/v1/reviews/{run.pk}/steps/1/approve")
    client = api(world.manager)
    refused = post(client, f"/api/v1/reviews/{run.pk}/steps/2/approve")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "override_reason"
    ok = post(client, f"/api/v1/reviews/{run.pk}/steps/2/approve", {"override_reason": "已公证"})
    assert ok.status_code == 200
    assert ReviewRun.objects.get(pk=run.pk).steps.get(order=2).override_reason == "已公证"


def test_reject_and_other_org(api: Any, world: Any, draft: Any) -> None:
    run = services.submit_item(draft(), by=world.operator)
    assert (
        post(
            api(world.outsider), f"/api/v1/reviews/{run.pk}/steps/1/reject", {"comment": "x"}
        ).status_code
        == 404
    )
    done = post(
        api(world.planner), f"/api/v1/reviews/{run.pk}/steps/1/reject", {"comment": "不符合定位"}
    )
    assert done.status_code == 200 and done.json()["item_status"] == "rejected"
