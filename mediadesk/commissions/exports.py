"""Excel exports: one statement's lines, and a month's statements summary. Amounts in yuan."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.commissions.models import Line, Statement

LINE_HEADERS = [
    gettext_lazy("结算月份"),
    gettext_lazy("项目"),
    gettext_lazy("收款人"),
    gettext_lazy("类型"),
    gettext_lazy("房号"),
    gettext_lazy("成交金额(元)"),
    gettext_lazy("佣金方案"),
    gettext_lazy("档位"),
    gettext_lazy("比例(%)"),
    gettext_lazy("分成"),
    gettext_lazy("该成交应得(元)"),
    gettext_lazy("发放节点"),
    gettext_lazy("金额(元)"),
    gettext_lazy("说明"),
]
SUMMARY_HEADERS = [
    gettext_lazy("结算月份"),
    gettext_lazy("项目"),
    gettext_lazy("收款人"),
    gettext_lazy("类型"),
    gettext_lazy("明细条数"),
    gettext_lazy("合计(元)"),
    gettext_lazy("状态"),
    gettext_lazy("审批人"),
    gettext_lazy("审批时间"),
]


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a two-decimal yuan amount (exact; Excel shows it as a number)."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def line_rows(statement: Statement, lines: Iterable[Line]) -> Iterator[list[Any]]:
    for line in lines:
        deal = line.deal
        yield [
            f"{statement.month:%Y-%m}",
            str(statement.project),
            statement.recipient_label,
            line.get_kind_display(),
            deal.unit_label if deal else "",
            yuan(deal.amount_fen) if deal else None,
            str(line.scheme or line.incentive or ""),
            line.tier_label,
            line.rate,
            line.share,
            yuan(line.deal_commission_fen),
            line.get_stage_display(),
            yuan(line.amount_fen),
            line.note,
        ]
    yield [
        _("合计"),
        "",
        "",
        "",
        "",
        None,
        "",
        "",
        None,
        None,
        None,
        "",
        yuan(statement.total_fen),
        "",
    ]


def summary_rows(statements: Iterable[Statement]) -> Iterator[list[Any]]:
    for s in statements:
        yield [
            f"{s.month:%Y-%m}",
            str(s.project),
            s.recipient_label,
            _("人员") if s.person_id else _("渠道"),
            getattr(s, "line_count", None),
            yuan(s.total_fen),
            s.get_status_display(),
            s.approved_by.label if s.approved_by else "",
            s.approved_at,
        ]
