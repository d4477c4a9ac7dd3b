"""Reads of the review app."""

from __future__ import annotations

from typing import Any

from mediadesk.content.models import ContentItem


def item_panel(item: ContentItem, user: Any) -> dict[str, Any]:
    """Context for review/_item_panel.html on the item page (the review helper fills it)."""
    return {"item": item}
