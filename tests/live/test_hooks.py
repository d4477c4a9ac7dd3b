"""The live app in the apps below it: the matrix standards finding and the content calendar."""

from __future__ import annotations

import pytest

from mediadesk.content import calendar
from mediadesk.live import services
from mediadesk.live.models import RecurringSlot
from mediadesk.matrix import queries as matrix_queries
from tests.conftest import audit_actions
from tests.live.conftest import make_session

pytestmark = pytest.mark.django_db


def codes(account) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in matrix_queries.standards_for(account)]


def test_accounts_with_slots_get_live_slots_missing_until_the_bio_names_the_time(
    world, account
) -> None:  # type: ignore[no-untyped-def]
    assert "live_slots_missing" not in codes(account)  # no recurring slot yet
    account.bio = "锦程曲江府官方号"
    account.save()
    services.generate_plan(by=world.operator, account=account, year=2030, month=3)
    slot = RecurringSlot.objects.get(account=account)
    assert slot.weekdays == "0,2,4" and list(slot.anchors.all()) == []
    assert audit_actions("live_slot", slot.pk) == ["live_slot.create"]
    assert "live_slots_missing" in codes(account)
    account.bio = "每周一三五 15:00 直播看房"
    account.save()
    assert "live_slots_missing" not in codes(account)


def test_sessions_show_on_the_content_calendar_in_their_own_colour(world, account) -> None:  # type: ignore[no-untyped-def]
    session = make_session(world, account)
    start, end = session.planned_start.replace(day=1), session.planned_start.replace(day=28)
    events = calendar.extra_events(world.operator, start, end)
    live = [e for e in events if e["id"] == f"live-{session.pk}"]
    assert live and live[0]["backgroundColor"] == "#d6336c"
    assert live[0]["url"] == f"/live/sessions/{session.pk}/"
    assert calendar.extra_events(world.operator_cd, start, end) == []
    assert calendar.extra_events(world.sales_a, start, end) == []
