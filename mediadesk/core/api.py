"""API: the audit trail."""

from ninja import Router

router = Router(tags=["审计"])
