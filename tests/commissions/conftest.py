"""Factories for commission tests: deals (with their customer and opportunity) and schemes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mediadesk.commissions import services
from mediadesk.commissions.models import Scheme
from mediadesk.leads.models import Channel, Customer, Deal, Opportunity, Source
from mediadesk.orgs.models import Project, User

SH = ZoneInfo("Asia/Shanghai")
_phones = itertools.count(13700000000)


def at(year: int, month: int, day: int = 10, hour: int = 12) -> dt.datetime:
    """An aware moment in Asia/Shanghai."""
    return dt.datetime(year, month, day, hour, tzinfo=SH)


def make_channel(project: Project, name: str, kind: str = Channel.Kind.AGENCY) -> Channel:
    return Channel.objects.create(organisation=project.organisation, name=name, kind=kind)


def make_deal(
    project: Project,
    consultant: User,
    *,
    yuan: int = 2_000_000,
    units: int = 1,
    subscribed: dt.datetime,
    channel: Channel | None = None,
    co_handler: User | None = None,
    paid_30: dt.datetime | None = None,
    loan: dt.datetime | None = None,
    handover: dt.datetime | None = None,
    cancelled: dt.datetime | None = None,
) -> Deal:
    """A deal with its customer and opportunity, written straight through the ORM."""
    phone = str(next(_phones))
    customer = Customer.objects.create(organisation=project.organisation, phone=phone)
    opportunity = Opportunity.objects.create(
        organisation=project.organisation,
        company=project.company,
        project=project,
        customer=customer,
        consultant=consultant,
        source=Source.CHANNEL_REPORT,
        channel=channel,
    )
    return Deal.objects.create(
        organisation=project.organisation,
        company=project.company,
        project=project,
        opportunity=opportunity,
        customer=customer,
        channel=channel,
        consultant=consultant,
        co_handler=co_handler,
        unit_label=f"{phone[-4:]}室",
        units=units,
        amount_fen=yuan * 100,
        stage=Deal.Stage.CANCELLED if cancelled else Deal.Stage.SUBSCRIBED,
        subscribed_at=subscribed,
        paid_30_at=paid_30,
        loan_at=loan,
        handover_at=handover,
        cancelled_at=cancelled,
    )


def make_scheme(
    project: Project,
    by: User,
    *,
    name: str = "顾问佣金",
    payee: str = "consultant",
    rate: str | None = "1.0",
    tiers: list[tuple[int, str]] | None = None,
    basis: str = "rate",
    channel_kind: str = "",
    valid_from: dt.date = dt.date(2024, 1, 1),
    **values: Any,
) -> Scheme:
    """A scheme through the service (so it is validated and audited)."""
    rows = [{"threshold": t, "rate": Decimal(r)} for t, r in (tiers or [(0, rate or "0")])]
    if basis == "per_unit":
        rows = [{"threshold": t, "per_unit_fen": int(r)} for t, r in (tiers or [(0, rate)])]
    return services.save_scheme(
        None,
        by=by,
        organisation=project.organisation,
        values={
            "name": name,
            "project": project,
            "payee": payee,
            "basis": basis,
            "channel_kind": channel_kind,
            "valid_from": valid_from,
            **values,
        },
        tiers=rows,
    )
