"""Template filters for money kept in integer fen."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """12345678 → "¥123,456.78"; negatives as "-¥…"; None as "—"."""
    if fen is None or fen == "":
        return "—"
    amount = Decimal(int(fen)) / 100
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def percent(value: Decimal | None) -> str:
    """Decimal('1.500') → "1.5%"."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}%"
