"""Shared fixtures of the leads tests (attribution and the desk): rule sets, channels,
brokers and consultant seats on top of the suite's `world`.

Fixture names are a contract between the leads test modules — keep them stable:
`t0`, `rule_set` (曲江府), `rule_set_yj` (云境), `agency`, `agency_b`, `online_channel`,
`broker` (User with Role.BROKER in 西安公司 and a Broker row of `agency`), `broker_b`
(same for `agency_b`), `seat_a` (sales_a in 曲江府), `seat_b` (sales_b in 云境),
`team_qj` (曲江府 team supervised by `supervisor_qj`, with `seat_a` in it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mediadesk.leads.models import Broker, Channel, Consultant, RuleSet, Team
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import Role
from tests.conftest import World, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def t0() -> dt.datetime:
    """A fixed, aware Monday morning in Shanghai that tests count from."""
    return dt.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def rule_set(world: World) -> RuleSet:
    """曲江府's rule set with the spec defaults (保护带看, 7/30 days, 30 min 防截客…)."""
    return RuleSet.objects.create(organisation=world.org, project=world.qujiang)


@pytest.fixture
def rule_set_yj(world: World) -> RuleSet:
    return RuleSet.objects.create(organisation=world.org, project=world.yunjing)


@pytest.fixture
def agency(world: World) -> Channel:
    return Channel.objects.create(organisation=world.org, name="安家中介", kind=Channel.Kind.AGENCY)


@pytest.fixture
def agency_b(world: World) -> Channel:
    return Channel.objects.create(organisation=world.org, name="链房分销", kind=Channel.Kind.AGENCY)


@pytest.fixture
def online_channel(world: World) -> Channel:
    return Channel.objects.create(
        organisation=world.org, name="线上直播组", kind=Channel.Kind.ONLINE
    )


def _broker(world: World, username: str, channel: Channel, phone: str) -> User:
    user = make_user(username, world.org, (Role.BROKER, world.xian), phone=phone)
    Broker.objects.create(organisation=world.org, channel=channel, user=user)
    return user


@pytest.fixture
def broker(world: World, agency: Channel) -> User:
    """A broker (渠道经纪人) of `agency`, reporting in 西安公司; `broker.broker` is the row."""
    return _broker(world, "broker", agency, "13700000001")


@pytest.fixture
def broker_b(world: World, agency_b: Channel) -> User:
    return _broker(world, "broker_b", agency_b, "13700000002")


@pytest.fixture
def supervisor_qj(world: World) -> User:
    """A sales supervisor (主管) of 曲江府: sales role there, supervises `team_qj`."""
    return make_user("supervisor_qj", world.org, (Role.SALES, world.qujiang))


@pytest.fixture
def team_qj(world: World, supervisor_qj: User) -> Team:
    return Team.objects.create(
        organisation=world.org, project=world.qujiang, name="曲江一组", supervisor=supervisor_qj
    )


@pytest.fixture
def seat_a(world: World, team_qj: Team) -> Consultant:
    return Consultant.objects.create(
        organisation=world.org, project=world.qujiang, user=world.sales_a, team=team_qj
    )


@pytest.fixture
def seat_b(world: World) -> Consultant:
    return Consultant.objects.create(
        organisation=world.org, project=world.yunjing, user=world.sales_b
    )


@pytest.fixture
def phone_no() -> str:
    """A customer number used across scenarios."""
    return "13512345678"


def as_of(t: dt.datetime, **delta: Any) -> dt.datetime:
    """`t` moved by timedelta keyword arguments (hours=…, minutes=…, days=…)."""
    return t + dt.timedelta(**delta)
