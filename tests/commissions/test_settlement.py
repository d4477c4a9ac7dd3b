"""Settlement: tiers, 主管带单 splits, payout stages by month, 退房 clawback, locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mediadesk.commissions import services
from mediadesk.commissions.models import Line, Statement
from mediadesk.leads.models import Channel, RuleSet
from tests.commissions.conftest import at, make_channel, make_deal, make_scheme
from tests.conftest import audit_actions, make_user

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
EXAMPLE_TIERS = [(0, "0.5"), (5, "0.8"), (10, "1.0")]


def settle(world, month):  # type: ignore[no-untyped-def]
    return services.settle_month(organisation=world.org, month=month, by=world.manager)


def statement(world, user, month) -> Statement:  # type: ignore[no-untyped-def]
    return Statement.objects.get(person=user, month=month, project=world.qujiang)


def lines(st: Statement) -> list[tuple[str, str, int]]:
    return list(st.lines.order_by("deal_id", "stage").values_list("kind", "stage", "amount_fen"))


@pytest.mark.parametrize(("mode", "yuan"), [("whole", 240_000), ("excess", 180_000)])
def test_tier_example_through_a_month_statement(world, mode, yuan) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, tiers=EXAMPLE_TIERS, tier_mode=mode)
    for day in range(1, 13):
        make_deal(
            world.qujiang, world.sales_a, subscribed=at(2025, 1, day), paid_30=at(2025, 1, 20)
        )
    settle(world, JAN)
    st = statement(world, world.sales_a, JAN)
    stage_lines = st.lines.filter(kind=Line.Kind.STAGE, stage="paid_30")
    assert stage_lines.count() == 12
    assert sum(stage_lines.values_list("deal_commission_fen", flat=True)) == yuan * 100
    assert st.total_fen == yuan * 100 * 70 // 100
    assert audit_actions("commission_statement", st.pk) == ["commission.settle"]


def test_co_handled_deal_splits_seven_to_three(world) -> None:  # type: ignore[no-untyped-def]
    boss = make_user("boss", world.org, ("sales", world.qujiang))
    make_scheme(world.qujiang, world.manager, rate="1.0")
    RuleSet.objects.create(organisation=world.org, project=world.qujiang)  # default ratio 0.7
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        co_handler=boss,
        subscribed=at(2025, 1, 3),
        paid_30=at(2025, 1, 9),
    )
    settle(world, JAN)
    mine, boss_st = statement(world, world.sales_a, JAN), statement(world, boss, JAN)
    assert mine.total_fen == 7_000_00 * 70 // 100 and boss_st.total_fen == 3_000_00 * 70 // 100
    assert mine.lines.get().share == Decimal("0.700")
    assert boss_st.lines.get().share == Decimal("0.300")


def test_scheme_ratio_overrides_the_project_ratio(world) -> None:  # type: ignore[no-untyped-def]
    boss = make_user("boss", world.org, ("sales", world.qujiang))
    make_scheme(world.qujiang, world.manager, rate="1.0", supervisor_ratio=Decimal("0.6"))
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        co_handler=boss,
        subscribed=at(2025, 1, 3),
        paid_30=at(2025, 1, 9),
    )
    settle(world, JAN)
    assert statement(world, boss, JAN).lines.get().deal_commission_fen == 4_000_00


def test_payout_stages_land_in_the_months_of_their_dates(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 31, 23),
        loan=at(2025, 3, 1, 0),
        handover=at(2025, 7, 1),
    )
    settle(world, JAN)
    settle(world, FEB)
    settle(world, MAR)
    assert lines(statement(world, world.sales_a, JAN)) == [("stage", "paid_30", 7_000_00)]
    assert not Statement.objects.filter(month=FEB).exists()
    assert lines(statement(world, world.sales_a, MAR)) == [("stage", "loan", 2_000_00)]


def test_cancelled_deal_is_clawed_back_next_month_and_the_locked_month_is_unchanged(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, rate="1.0")
    deal = make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 15),
    )
    settle(world, JAN)
    jan = statement(world, world.sales_a, JAN)
    services.approve_statement(jan, by=world.manager)
    deal.cancelled_at = at(2025, 1, 28)  # entered after January was locked
    deal.save()
    settle(world, FEB)
    jan.refresh_from_db()
    assert jan.status == Statement.Status.APPROVED and jan.total_fen == 7_000_00
    assert lines(jan) == [("stage", "paid_30", 7_000_00)]
    feb = statement(world, world.sales_a, FEB)
    assert lines(feb) == [("clawback", "paid_30", -7_000_00)]
    assert feb.total_fen == -7_000_00
    assert audit_actions("commission_statement", jan.pk) == [
        "commission.settle",
        "commission.approve",
    ]


def test_cancellation_lowers_the_tier_and_the_difference_is_a_recalc_line(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, tiers=[(0, "0.5"), (5, "0.8")])
    deals = [
        make_deal(
            world.qujiang,
            world.sales_a,
            yuan=1_000_000,
            subscribed=at(2025, 1, d),
            paid_30=at(2025, 1, 20),
        )
        for d in range(1, 6)
    ]
    settle(world, JAN)
    services.approve_statement(statement(world, world.sales_a, JAN), by=world.manager)
    deals[0].cancelled_at = at(2025, 2, 5)
    deals[0].save()
    settle(world, FEB)
    feb = statement(world, world.sales_a, FEB)
    kinds = list(feb.lines.values_list("kind", "amount_fen"))
    assert ("clawback", -5_600_00) in kinds  # 0.8 % × ¥1,000,000 × 70 %
    assert kinds.count(("recalc", -2_100_00)) == 4  # 0.8 % → 0.5 % on the other four
    assert feb.total_fen == -5_600_00 - 4 * 2_100_00


def test_quarter_tiers_jump_when_later_months_add_volume(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, tiers=[(0, "0.5"), (2, "1.0")], tier_period="quarter")
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        subscribed=at(2025, 1, 5),
        paid_30=at(2025, 1, 20),
    )
    settle(world, JAN)
    services.approve_statement(statement(world, world.sales_a, JAN), by=world.manager)
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        subscribed=at(2025, 2, 5),
        paid_30=at(2025, 2, 20),
    )
    settle(world, FEB)
    feb = statement(world, world.sales_a, FEB)
    assert sorted(feb.lines.values_list("kind", "amount_fen")) == [
        ("recalc", 3_500_00),
        ("stage", 7_000_00),
    ]


def test_team_tiers_and_supervisor_volume_setting(world) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.leads.models import Consultant, Team

    boss = make_user("boss", world.org, ("sales", world.qujiang))
    team = Team.objects.create(
        organisation=world.org, project=world.qujiang, name="一组", supervisor=boss
    )
    Consultant.objects.create(
        organisation=world.org, project=world.qujiang, user=world.sales_a, team=team
    )
    for counts, expected in ((True, 1_000_00), (False, 500_00)):
        Statement.objects.all().delete()
        from mediadesk.commissions.models import Scheme
        from mediadesk.leads.models import Deal

        Deal.objects.all().delete()
        Scheme.objects.all().delete()
        make_scheme(
            world.qujiang,
            world.manager,
            tiers=[(0, "0.5"), (2, "1.0")],
            tier_pool="team",
            supervisor_counts=counts,
        )
        make_deal(
            world.qujiang,
            world.sales_a,
            yuan=100_000,
            subscribed=at(2025, 1, 2),
            paid_30=at(2025, 1, 3),
        )
        make_deal(
            world.qujiang, boss, yuan=100_000, subscribed=at(2025, 1, 4), paid_30=at(2025, 1, 5)
        )
        settle(world, JAN)
        assert statement(world, world.sales_a, JAN).lines.get().deal_commission_fen == expected


def test_online_channel_pays_the_online_consultant_and_agencies_get_channel_statements(
    world,
) -> None:  # type: ignore[no-untyped-def]
    online = make_channel(world.qujiang, "线上直播组", Channel.Kind.ONLINE)
    agency = make_channel(world.qujiang, "链家")
    make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    make_scheme(
        world.qujiang,
        world.manager,
        name="线上渠道",
        payee="channel",
        rate="1.5",
        channel_kind="online",
    )
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        channel=online,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 3),
    )
    make_deal(
        world.qujiang,
        world.sales_b,
        yuan=1_000_000,
        channel=agency,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 3),
    )
    settle(world, JAN)
    assert statement(world, world.sales_a, JAN).total_fen == 15_000_00 * 70 // 100
    agency_st = Statement.objects.get(channel=agency, month=JAN)
    assert agency_st.total_fen == 10_000_00 * 70 // 100


def test_settling_twice_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 2), paid_30=at(2025, 1, 3))
    settle(world, JAN)
    st = statement(world, world.sales_a, JAN)
    ids = list(st.lines.values_list("pk", flat=True))
    result = settle(world, JAN)
    assert result.changed == 0
    assert list(st.lines.values_list("pk", flat=True)) == ids
    assert audit_actions("commission_statement", st.pk) == ["commission.settle"]


def test_approval_locks_and_an_adjustment_moves_to_a_later_month(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(
        world.qujiang,
        world.sales_a,
        yuan=1_000_000,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 3),
    )
    settle(world, JAN)
    jan = statement(world, world.sales_a, JAN)
    services.approve_statement(jan, by=world.manager)
    line = services.add_adjustment(jan, by=world.manager, amount_fen=-500_00, reason="多算了车位")
    jan.refresh_from_db()
    assert jan.total_fen == 7_000_00 and jan.lines.count() == 1
    assert line.statement.month == FEB and line.moved_from == jan
    assert line.statement.status == Statement.Status.DRAFT and line.statement.total_fen == -500_00
    assert audit_actions("commission_statement", line.statement.pk) == ["commission.adjust"]
    settle(world, FEB)  # the manual line survives a rebuild
    assert statement(world, world.sales_a, FEB).lines.filter(kind="manual").count() == 1
    result = settle(world, JAN)
    assert result.skipped_locked == 1


def test_approving_twice_or_earlier_months_after_a_lock_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.core.errors import Conflict

    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(
        world.qujiang,
        world.sales_a,
        subscribed=at(2025, 1, 2),
        paid_30=at(2025, 1, 3),
        loan=at(2025, 2, 3),
    )
    settle(world, JAN)
    settle(world, FEB)
    feb = statement(world, world.sales_a, FEB)
    with pytest.raises(ValidationError, match="请先审批 2025-01"):
        services.approve_statement(feb, by=world.manager)
    jan = statement(world, world.sales_a, JAN)
    services.approve_statement(jan, by=world.manager)
    with pytest.raises(Conflict):
        services.approve_statement(jan, by=world.manager)
    services.approve_statement(feb, by=world.manager)
    with pytest.raises(ValidationError, match="已有审批锁定"):
        settle(world, JAN)


def test_sales_cannot_settle_approve_or_adjust(world) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.core.errors import PermissionDenied

    make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 2), paid_30=at(2025, 1, 3))
    with pytest.raises(PermissionDenied):
        services.settle_month(organisation=world.org, month=JAN, by=world.sales_a)
    settle(world, JAN)
    st = statement(world, world.sales_a, JAN)
    with pytest.raises(PermissionDenied):
        services.approve_statement(st, by=world.sales_a)
    with pytest.raises(PermissionDenied):
        services.approve_statement(st, by=world.channel)  # view only
    with pytest.raises(PermissionDenied):
        services.add_adjustment(st, by=world.channel, amount_fen=1, reason="x")
    st.refresh_from_db()
    assert st.status == Statement.Status.DRAFT


def test_this_month_cannot_be_approved(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    today = timezone.localdate()
    make_scheme(world.qujiang, world.manager, rate="1.0", valid_from=dt.date(2020, 1, 1))
    make_deal(
        world.qujiang,
        world.sales_a,
        subscribed=timezone.now() - dt.timedelta(minutes=5),
        paid_30=timezone.now() - dt.timedelta(minutes=1),
    )
    settle(world, today.replace(day=1))
    st = Statement.objects.get(person=world.sales_a)
    with pytest.raises(ValidationError, match="本月尚未结束"):
        services.approve_statement(st, by=world.manager)


def test_deals_without_a_channel_or_from_own_work_earn_no_base_channel_commission(world) -> None:  # type: ignore[no-untyped-def]
    own = make_channel(world.qujiang, "顾问自拓", Channel.Kind.CONSULTANT)
    make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 2), paid_30=at(2025, 1, 3))
    make_deal(world.qujiang, world.sales_a, channel=own, subscribed=at(2025, 1, 2),
              paid_30=at(2025, 1, 3))  # fmt: skip
    settle(world, JAN)
    assert not Statement.objects.exists()
