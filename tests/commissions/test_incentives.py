"""Incentives: deal-count tiers beyond target, team target bonus, live-session bonuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from mediadesk.commissions import services
from mediadesk.commissions.models import Incentive, LiveSessionFigure, Statement
from mediadesk.leads.models import Channel
from tests.commissions.conftest import at, make_channel, make_deal
from tests.conftest import audit_actions

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def incentive(world, kind, members, tiers=(), **values):  # type: ignore[no-untyped-def]
    return services.save_incentive(
        None, by=world.manager, organisation=world.org,
        values={"name": kind, "project": world.qujiang, "kind": kind,
                "valid_from": dt.date(2024, 1, 1), **values},
        members=members, tiers=[{"threshold": t, "per_unit_fen": f} for t, f in tiers],
    )  # fmt: skip


def incentive_total(world, user, month) -> int:  # type: ignore[no-untyped-def]
    st = Statement.objects.get(person=user, month=month)
    return sum(st.lines.filter(incentive__isnull=False).values_list("amount_fen", flat=True))


def settle(world, month):  # type: ignore[no-untyped-def]
    services.settle_month(organisation=world.org, month=month, by=world.manager)


def test_units_beyond_target_earn_their_tier_amounts(world) -> None:  # type: ignore[no-untyped-def]
    rule = incentive(world, Incentive.Kind.DEAL_TIERS, [world.sales_a], target_units=2,
                     tiers=[(3, 500_00), (5, 800_00)])  # fmt: skip
    for day in range(1, 6):
        make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, day))
    settle(world, JAN)
    assert incentive_total(world, world.sales_a, JAN) == 2 * 500_00 + 800_00
    assert audit_actions("commission_incentive", rule.pk) == ["commission_incentive.create"]


def test_a_cancelled_unit_after_lock_reduces_the_incentive_next_month(world) -> None:  # type: ignore[no-untyped-def]
    incentive(
        world, Incentive.Kind.DEAL_TIERS, [world.sales_a], target_units=1, tiers=[(2, 500_00)]
    )
    deals = [make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, d)) for d in (1, 2)]
    settle(world, JAN)
    services.approve_statement(Statement.objects.get(month=JAN), by=world.manager)
    deals[1].cancelled_at = at(2025, 2, 3)
    deals[1].save()
    settle(world, FEB)
    assert incentive_total(world, world.sales_a, FEB) == -500_00
    assert incentive_total(world, world.sales_a, JAN) == 500_00


def test_team_target_bonus_counts_only_the_chosen_channel_kind(world) -> None:  # type: ignore[no-untyped-def]
    online = make_channel(world.qujiang, "线上直播组", Channel.Kind.ONLINE)
    incentive(world, Incentive.Kind.TEAM_TARGET, [world.operator, world.planner], target_units=2,
              bonus_fen=2_000_00, channel_kind="online")  # fmt: skip
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 2), channel=online)
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 3))
    settle(world, JAN)
    assert not Statement.objects.filter(person=world.operator).exists()
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 4), channel=online)
    settle(world, JAN)
    assert incentive_total(world, world.operator, JAN) == 2_000_00
    assert incentive_total(world, world.planner, JAN) == 2_000_00


def test_live_session_bonus_when_viewers_or_leads_reach_thresholds(world) -> None:  # type: ignore[no-untyped-def]
    incentive(world, Incentive.Kind.LIVE_SESSION, [world.operator], min_viewers=1000,
              viewers_bonus_fen=300_00, min_leads=30, leads_bonus_fen=500_00)  # fmt: skip
    for day, viewers, leads in ((5, 1200, 40), (12, 800, 35), (19, 500, 10)):
        services.save_live_figure(
            None, by=world.manager, organisation=world.org,
            values={"project": world.qujiang, "date": dt.date(2025, 1, day),
                    "anchor": world.operator, "viewers": viewers, "leads": leads},
        )  # fmt: skip
    settle(world, JAN)
    assert incentive_total(world, world.operator, JAN) == 800_00 + 500_00
    assert LiveSessionFigure.objects.count() == 3


def test_incentive_rules_are_validated(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="自第 4 套起"):
        incentive(world, Incentive.Kind.DEAL_TIERS, [world.sales_a], target_units=3,
                  tiers=[(3, 100)])  # fmt: skip
    with pytest.raises(ValidationError, match="适用人员"):
        incentive(world, Incentive.Kind.LIVE_SESSION, [], min_viewers=10)
    with pytest.raises(ValidationError, match="本组织"):
        incentive(world, Incentive.Kind.LIVE_SESSION, [world.outsider], min_viewers=10)
    assert not Incentive.objects.exists()
