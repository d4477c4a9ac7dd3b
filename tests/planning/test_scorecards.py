"""Monthly KPI scorecards: computed lines, manual scores, sign-off lock → adjustments, ranking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.planning import scorecards
from mediadesk.planning.models import Scorecard, ScorecardAdjustment
from tests.conftest import World, audit_actions

pytestmark = pytest.mark.django_db
API = "/api/v1/scorecards"


def test_linear_scoring_is_capped_at_120_percent() -> None:
    assert scorecards.score(Decimal(1), Decimal(2), 40) == Decimal("20.00")
    assert scorecards.score(Decimal(9), Decimal(2), 40) == Decimal("48.00")
    assert scorecards.score(None, Decimal(2), 40) == 0


@given(actual=st.integers(min_value=0, max_value=10**6), target=st.integers(min_value=1, max_value=10**6),
       weight=st.integers(min_value=1, max_value=100))  # fmt: skip
def test_a_line_never_scores_above_its_cap(actual: int, target: int, weight: int) -> None:
    assert (
        0 <= scorecards.score(Decimal(actual), Decimal(target), weight) <= weight * scorecards.CAP
    )


def test_manager_scores_signs_and_later_edits_become_adjustments(world: World, api: Any) -> None:
    client = api(world.manager)
    body = client.get(f"{API}?month=2024-05").json()
    sales = next(c for c in body["items"] if c["person"] == world.sales_a.pk)
    assert {ln["code"] for ln in sales["lines"]} == {"sla", "visits", "deals"}
    deals = next(ln for ln in sales["lines"] if ln["code"] == "deals")
    assert deals["actual"] == 0 and deals["source"]
    url = f"{API}/{sales['id']}"
    computed = client.post(
        f"{url}/scores", {"indicator": "deals", "score": 10}, content_type="application/json"
    )
    assert computed.status_code == 400
    assert (
        client.post(
            f"{url}/scores", {"indicator": "sla", "score": 25}, content_type="application/json"
        ).json()["total"]
        == 25
    )
    assert client.post(f"{url}/sign").json()["signed"] is True
    after = client.post(f"{url}/scores", {"indicator": "sla", "score": 30, "reason": "申诉复核"},
                        content_type="application/json").json()  # fmt: skip
    assert after["total"] == 25 and after["adjustments"] == [
        {"indicator": "sla", "score": 30.0, "reason": "申诉复核"}
    ]
    card = Scorecard.objects.get(pk=sales["id"])
    assert ScorecardAdjustment.objects.filter(scorecard=card).count() == 1
    assert audit_actions("scorecard", card.pk) == [
        "scorecard.score",
        "scorecard.sign",
        "scorecard.adjust",
    ]
    again = client.get(f"{API}?month=2024-05&person={world.sales_a.pk}").json()["items"][0]
    assert again["total"] == 25  # a signed card is not recomputed


def test_scorecard_access_and_bad_month(world: World, api: Any, client: Any) -> None:
    assert client.get(f"{API}?month=2024-05").status_code == 401
    assert api(world.manager).get(f"{API}?month=2024-13").status_code == 400
    own = api(world.planner).get(f"{API}?month=2024-05").json()
    assert [c["person"] for c in own["items"]] == [world.planner.pk]
    card = Scorecard.objects.get(person=world.planner)
    assert api(world.planner).post(f"{API}/{card.pk}/sign").status_code == 403
    assert api(world.outsider).post(f"{API}/{card.pk}/sign").status_code == 404


def test_a_company_manager_sees_and_scores_only_their_companys_people(
    world: World, api: Any, login: Any
) -> None:
    from django.urls import reverse

    api(world.manager).get(f"{API}?month=2024-05")  # every card of the organisation
    people = {
        c["person"] for c in api(world.manager_xa).get(f"{API}?month=2024-05").json()["items"]
    }
    assert world.planner.pk in people and world.operator_cd.pk not in people
    chengdu = Scorecard.objects.get(person=world.operator_cd)
    assert api(world.manager_xa).post(f"{API}/{chengdu.pk}/sign").status_code == 404
    assert (
        login(world.manager_xa).get(reverse("planning:scorecard", args=[chengdu.pk])).status_code
        == 404
    )
    assert Scorecard.objects.get(pk=chengdu.pk).signed_at is None
