"""Writes of the review app."""

from __future__ import annotations

from typing import Any

from mediadesk.content.models import ContentItem


def on_item_edited(item: ContentItem, *, by: Any) -> None:
    """Called by content services after an item or variant changes (contract for review)."""
