"""API: tokens and projects."""

from ninja import Router

router = Router(tags=["组织"])
