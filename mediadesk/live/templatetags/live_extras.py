"""Template helpers of the live app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def pick(labels: Mapping[str, Any] | None, code: str) -> Any:
    """`{{ type_labels|pick:s.type }}`: the label of an editable option's code."""
    return (labels or {}).get(code, code)
