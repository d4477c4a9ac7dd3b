"""`{{ number|masked }}`: a phone number or masked pattern shown 前三后四 (core.phone.mask)."""

from __future__ import annotations

from django import template

from mediadesk.core import phone

register = template.Library()


@register.filter
def masked(value: str) -> str:
    return phone.mask(value or "")
