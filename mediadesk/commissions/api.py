"""API of the commissions app."""

from __future__ import annotations

from ninja import Router

router = Router()
