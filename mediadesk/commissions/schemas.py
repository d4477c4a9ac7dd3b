"""API schemas of commission statements. Money is integer fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

from mediadesk.commissions.models import Line, Statement


class StatementOut(Schema):
    id: int
    month: str = Field(description="YYYY-MM")
    project: int
    project_name: str
    person: int | None
    channel: int | None
    recipient: str
    status: str
    status_label: str
    total_fen: int
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_month(obj: Statement) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_project(obj: Statement) -> int:
        return obj.project_id

    @staticmethod
    def resolve_project_name(obj: Statement) -> str:
        return obj.project.name

    @staticmethod
    def resolve_person(obj: Statement) -> int | None:
        return obj.person_id

    @staticmethod
    def resolve_channel(obj: Statement) -> int | None:
        return obj.channel_id

    @staticmethod
    def resolve_recipient(obj: Statement) -> str:
        return obj.recipient_label

    @staticmethod
    def resolve_status_label(obj: Statement) -> str:
        return obj.get_status_display()


class LineOut(Schema):
    id: int
    kind: str
    kind_label: str
    deal: int | None
    unit_label: str | None
    deal_amount_fen: int | None
    scheme: int | None
    incentive: int | None
    stage: str
    tier_label: str
    rate: Decimal | None = Field(description=_("百分比，如 1.5 表示 1.5%"))
    share: Decimal | None
    deal_commission_fen: int | None
    amount_fen: int
    note: str

    @staticmethod
    def resolve_kind_label(obj: Line) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_deal(obj: Line) -> int | None:
        return obj.deal_id

    @staticmethod
    def resolve_unit_label(obj: Line) -> str | None:
        return obj.deal.unit_label if obj.deal else None

    @staticmethod
    def resolve_deal_amount_fen(obj: Line) -> int | None:
        return obj.deal.amount_fen if obj.deal else None

    @staticmethod
    def resolve_scheme(obj: Line) -> int | None:
        return obj.scheme_id

    @staticmethod
    def resolve_incentive(obj: Line) -> int | None:
        return obj.incentive_id


class StatementDetailOut(StatementOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Statement) -> list[Line]:
        return list(obj.lines.select_related("deal").order_by("kind", "deal_id", "stage", "id"))


class CommissionTierOut(Schema):
    threshold: int = Field(description=_("达到(套，或金额分)"))
    rate: Decimal = Field(description=_("佣金比例(%)"))
    per_unit_fen: int


class CommissionSchemeOut(Schema):
    """A commission scheme (佣金方案) with its 跳点 tiers."""

    id: int
    project: int
    name: str
    payee: str
    channel_kind: str
    channel: int | None
    basis: str
    tier_by: str
    tier_mode: str
    tier_period: str
    tier_pool: str
    supervisor_counts: bool
    supervisor_ratio: Decimal | None
    stage_paid_30: Decimal
    stage_loan: Decimal
    stage_handover: Decimal
    valid_from: dt.date
    valid_until: dt.date | None
    is_active: bool
    note: str
    tiers: list[CommissionTierOut]

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)

    @staticmethod
    def resolve_channel(obj: Any) -> int | None:
        return None if obj.channel_id is None else int(obj.channel_id)

    @staticmethod
    def resolve_tiers(obj: Any) -> list[Any]:
        return sorted(obj.tiers.all(), key=lambda t: t.threshold)


class CommissionIncentiveTierOut(Schema):
    threshold: int
    per_unit_fen: int


class CommissionIncentiveOut(Schema):
    id: int
    project: int
    name: str
    kind: str
    kind_label: str
    members: list[int]
    target_units: int
    channel_kind: str
    bonus_fen: int
    min_viewers: int | None
    viewers_bonus_fen: int
    min_leads: int | None
    leads_bonus_fen: int
    valid_from: dt.date
    valid_until: dt.date | None
    is_active: bool
    tiers: list[CommissionIncentiveTierOut]

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_members(obj: Any) -> list[int]:
        return sorted(m.pk for m in obj.members.all())

    @staticmethod
    def resolve_tiers(obj: Any) -> list[Any]:
        return sorted(obj.tiers.all(), key=lambda t: t.threshold)


class CommissionFigureOut(Schema):
    """Hand-entered live-session figures (直播场次数据) that incentives pay on."""

    id: int
    project: int
    date: dt.date
    anchor: int
    viewers: int
    leads: int
    note: str

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)

    @staticmethod
    def resolve_anchor(obj: Any) -> int:
        return int(obj.anchor_id)
