"""The live API: exact paths and keys, roles and scopes, validation."""

from __future__ import annotations

import pytest
from django.test import Client

from mediadesk.live.models import Figures, Session
from tests.conftest import audit_actions
from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db
CODES = ["title_length", "cover_square", "cover_quality", "warmup_video", "script",
         "profile_slots", "signature_notice", "compliance", "music_volume", "environment"]  # fmt: skip


def test_anonymous_gets_401(world, account) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/api/v1/live/sessions").status_code == 401
    assert Client().get("/api/v1/live/scripts").status_code == 401


def test_wrong_role_gets_403(api, world) -> None:  # type: ignore[no-untyped-def]
    assert api(world.sales_a).get("/api/v1/live/sessions").status_code == 403
    body = {"account": 1, "title": "x", "planned_start": "2030-03-04T15:00:00+08:00",
            "planned_end": "2030-03-04T17:00:00+08:00"}  # fmt: skip
    assert (
        api(world.planner).post("/api/v1/live/sessions", body, "application/json").status_code
        == 403
    )


def test_other_scope_gets_404(api, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    assert api(world.operator_cd).get(f"/api/v1/live/sessions/{session.pk}").status_code == 404
    assert api(world.outsider).get(f"/api/v1/live/sessions/{session.pk}").status_code == 404
    r = api(world.operator_cd).post(f"/api/v1/live/sessions/{session.pk}/figures", {"viewers": 1},
                                    "application/json")  # fmt: skip
    assert r.status_code == 404 and not Figures.objects.exists()


def test_create_get_list_patch(api, world, account) -> None:  # type: ignore[no-untyped-def]
    c = api(world.operator)
    body = {"account": account.pk, "title": "曲江府开盘", "planned_start": "2030-03-04T15:00:00+08:00",
            "planned_end": "2030-03-04T17:00:00+08:00", "anchors": [world.operator.pk]}  # fmt: skip
    r = c.post("/api/v1/live/sessions", body, "application/json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert [i["code"] for i in data["checklist"]] == CODES
    assert set(data["checklist"][0]) == {"code", "label", "done", "auto", "due_at"}
    pk = data["id"]
    listed = c.get(
        f"/api/v1/live/sessions?account={account.pk}&status=planned&since=2030-03-01&until=2030-03-31"
    ).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    assert c.get(f"/api/v1/live/sessions?anchor={world.operator.pk}").json()["count"] == 1
    assert c.get("/api/v1/live/sessions?until=2030-03-03").json()["count"] == 0
    r = c.patch(f"/api/v1/live/sessions/{pk}", {"status": "preparing"}, "application/json")
    assert r.status_code == 200 and r.json()["status"] == "preparing"
    r = c.patch(f"/api/v1/live/sessions/{pk}", {"status": "cancelled"}, "application/json")
    assert r.status_code == 400 and r.json()["detail"]
    assert audit_actions("live_session", pk) == ["live_session.create", "live_session.status"]


def test_session_ending_before_start_is_400_and_nothing_written(api, world, account) -> None:  # type: ignore[no-untyped-def]
    body = {"account": account.pk, "title": "x", "planned_start": "2030-03-04T15:00:00+08:00",
            "planned_end": "2030-03-04T14:00:00+08:00"}  # fmt: skip
    r = api(world.operator).post("/api/v1/live/sessions", body, "application/json")
    assert r.status_code == 400 and "planned_end" in str(r.json()["errors"])
    assert not Session.objects.exists()


def test_figures_rates_and_bad_figures(api, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    url = f"/api/v1/live/sessions/{session.pk}/figures"
    c = api(world.operator)
    r = c.post(url, {"viewers": 12000, "leads": 96, "new_followers": 360}, "application/json")
    assert r.status_code == 200, r.content
    rates = r.json()["rates"]
    assert rates["lead_rate"] == {"numerator": 96, "denominator": 12000, "value": 0.008}
    assert rates["fan_club_rate"] == {"numerator": None, "denominator": 12000, "value": None}
    r = c.post(url, {"viewers": 0, "leads": 0}, "application/json")
    assert r.json()["rates"]["lead_rate"]["value"] is None
    assert c.post(url, {"viewers": -1}, "application/json").status_code == 422
    r = c.post(url, {"viewers": 100, "views": 120, "peak_online": 150}, "application/json")
    assert r.status_code == 400 and "peak_online" in str(r.json()["errors"])
    assert Figures.objects.get().viewers == 0


def test_confirm_and_scripts_and_plans(api, world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    c = api(world.operator)
    r = c.post(f"/api/v1/live/sessions/{session.pk}/checklist/environment/confirm")
    assert r.status_code == 200 and r.json()["done"] is True
    assert (
        c.post(f"/api/v1/live/sessions/{session.pk}/checklist/title_length/confirm").status_code
        == 400
    )
    assert c.post(f"/api/v1/live/sessions/{session.pk}/checklist/nope/confirm").status_code == 400
    assert c.get("/api/v1/live/scripts").json() == {"items": [], "count": 0}
    r = c.post("/api/v1/live/plans", {"account": account.pk, "weekdays": [0, 2, 4],
               "start": "15:00", "end": "17:00", "month": "2030-04"}, "application/json")  # fmt: skip
    assert r.status_code == 201, r.content
    assert 13 <= len(r.json()) <= 15
    bad = c.post("/api/v1/live/plans", {"account": account.pk, "weekdays": [9], "start": "15:00",
                 "end": "17:00", "month": "2030-05"}, "application/json")  # fmt: skip
    assert bad.status_code == 400
