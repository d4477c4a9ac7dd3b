"""Validation errors as `{field: [messages]}` so the API answers 400 `{detail, errors}`."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def invalid(errors: list[dict[str, str]]) -> ValidationError:
    """One ValidationError carrying every field's messages."""
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(e["field"], []).append(e["message"])
    return ValidationError(by_field)
