"""API of the compliance app: the checker."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from mediadesk.compliance import queries
from mediadesk.compliance.schemas import CheckIn, CheckOut
from mediadesk.core.schemas import ErrorOut, caller

router = Router(tags=["合规检查"])


@router.post(
    "/compliance/check",
    response={200: CheckOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="检查文案是否符合广告法（按本组织词库）",
)
def check(request: HttpRequest, payload: CheckIn) -> Any:
    findings = queries.check_for(
        caller(request),
        payload.text,
        platform=payload.platform,
        industry=payload.industry.value if payload.industry else None,
    )
    return queries.check_result(findings)
