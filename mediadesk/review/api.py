"""API of the review app."""

from __future__ import annotations

from ninja import Router

router = Router()
