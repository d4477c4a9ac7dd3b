"""Schemes: the online floor (线上独立且高于基础渠道佣金), tier validation, locking, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mediadesk.commissions import services
from mediadesk.commissions.models import Scheme
from tests.commissions.conftest import at, make_deal, make_scheme
from tests.conftest import audit_actions

FLOOR = "线上渠道佣金须独立且不低于基础渠道佣金"


def test_online_scheme_below_the_base_channel_scheme_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    with pytest.raises(ValidationError) as exc:
        make_scheme(world.qujiang, world.manager, name="线上渠道", payee="channel", rate="0.8",
                    channel_kind="online")  # fmt: skip
    assert FLOOR in str(exc.value.message_dict["tiers"])
    assert not Scheme.objects.filter(name="线上渠道").exists()


def test_lowering_the_base_below_online_is_refused_too(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, name="线上渠道", payee="channel", rate="1.5",
                channel_kind="online")  # fmt: skip
    base = make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    with pytest.raises(ValidationError, match=FLOOR):
        services.save_scheme(
            base, by=world.manager, organisation=world.org, values={},
            tiers=[{"threshold": 0, "rate": Decimal("2.0")}],
        )  # fmt: skip
    assert base.tiers.get().rate == Decimal("1.000")


def test_online_equal_or_higher_is_saved_and_audited(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, name="基础渠道", payee="channel", rate="1.0")
    online = make_scheme(world.qujiang, world.manager, name="线上渠道", payee="channel",
                         tiers=[(0, "1.5"), (5, "2.0")], channel_kind="online")  # fmt: skip
    assert [t.rate for t in online.tiers.all()] == [Decimal("1.500"), Decimal("2.000")]
    assert audit_actions("commission_scheme", online.pk) == ["commission_scheme.create"]


def test_tier_tables_that_go_down_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="跳点只能向上"):
        make_scheme(world.qujiang, world.manager, tiers=[(0, "1.0"), (5, "0.5")])


def test_stage_percentages_must_add_up_to_100(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="之和须为 100%"):
        make_scheme(world.qujiang, world.manager, stage_paid_30=Decimal(60))


def test_overlapping_schemes_of_the_same_kind_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.qujiang, world.manager, name="A")
    with pytest.raises(ValidationError, match="有效期重叠"):
        make_scheme(world.qujiang, world.manager, name="B", valid_from=dt.date(2025, 6, 1))


def test_money_terms_of_a_scheme_used_on_an_approved_statement_are_frozen(world) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.qujiang, world.manager, rate="1.0")
    make_deal(world.qujiang, world.sales_a, subscribed=at(2025, 1, 2), paid_30=at(2025, 1, 3))
    services.settle_month(organisation=world.org, month=dt.date(2025, 1, 1), by=world.manager)
    from mediadesk.commissions.models import Statement

    services.approve_statement(Statement.objects.get(), by=world.manager)
    with pytest.raises(ValidationError, match="已用于已审批的结算单"):
        services.save_scheme(scheme, by=world.manager, organisation=world.org, values={},
                             tiers=[{"threshold": 0, "rate": Decimal("1.2")}])  # fmt: skip
    services.save_scheme(
        scheme, by=world.manager, organisation=world.org,
        values={"valid_until": dt.date(2025, 12, 31)},
        tiers=[{"threshold": 0, "rate": Decimal("1.0")}],
    )  # fmt: skip
    assert audit_actions("commission_scheme", scheme.pk) == [
        "commission_scheme.create", "commission_scheme.update"
    ]  # fmt: skip


def test_channel_role_cannot_save_schemes(world) -> None:  # type: ignore[no-untyped-def]
    from mediadesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_scheme(world.qujiang, world.channel)
    assert not Scheme.objects.exists()
