"""API: platforms and accounts."""

from ninja import Router

router = Router(tags=["账号矩阵"])
