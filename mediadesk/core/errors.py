"""Errors raised by services; pages and the API turn them into messages and 4xx answers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["Conflict", "PermissionDenied", "ValidationError"]


class Conflict(Exception):
    """The record changed state under us (e.g. someone else acted first)."""
