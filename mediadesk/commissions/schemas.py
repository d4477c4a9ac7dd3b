"""API schemas of commission statements. Money is integer fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import field_validator

from mediadesk.commissions import rules
from mediadesk.commissions.models import Line, Statement
from mediadesk.core.schemas import Id, QueryIn


class StatementFilters(QueryIn):
    month: str | None = Field(None, max_length=7, description="结算月份 YYYY-MM")
    project: Id | None = None
    person: Id | None = None
    status: Statement.Status | None = None

    @field_validator("month")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and rules.parse_month(value) is None:
            raise ValueError("月份格式应为 YYYY-MM")
        return value


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
    rate: Decimal | None = Field(description="百分比，如 1.5 表示 1.5%")
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
