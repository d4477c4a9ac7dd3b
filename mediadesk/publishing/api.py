"""API of publishing: connections, schedule/cancel/manual/withdraw a variant, the job list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router

from mediadesk.content import queries as content_queries
from mediadesk.core import scopes
from mediadesk.core.errors import ValidationError
from mediadesk.core.schemas import ErrorOut, PageIn, caller
from mediadesk.publishing import queries, services
from mediadesk.publishing.filters import JobFilters
from mediadesk.publishing.models import PublishJob, State
from mediadesk.publishing.schemas import (
    ConnectionIn,
    JobsOut,
    ManualPublishIn,
    ScheduleIn,
    ScheduleOut,
    StatusOut,
    WithdrawIn,
)

router = Router(tags=["发布"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _variant(request: HttpRequest, pk: int) -> Any:
    user = caller(request)
    queries.require(user)
    return content_queries.access_variant(user, pk)


@router.put("/publishing/accounts/{account_id}/connection", response={200: StatusOut, **ERRORS},
            summary="连接账号（凭据加密保存，不会返回）")  # fmt: skip
def put_connection(request: HttpRequest, account_id: int, payload: ConnectionIn) -> Any:
    user = caller(request)
    queries.require(user)
    account = scopes.get_or_404(queries.connectable_accounts(user), account_id)
    conn = services.connect_account(account, by=user, values=payload.model_dump())
    return {"status": conn.status}


def _job_out(job: PublishJob, warnings: list[str]) -> dict[str, Any]:
    message = gettext(services.NO_CONNECTION_MESSAGE) if job.state == State.MANUAL else ""
    return {"job": job.pk, "state": job.state, "scheduled_at": job.scheduled_at,
            "warnings": warnings, "message": message}  # fmt: skip


@router.post("/publishing/variants/{variant_id}/schedule", response={200: ScheduleOut, **ERRORS},
             summary="排期发布（at 或 now:true）")  # fmt: skip
def schedule(request: HttpRequest, variant_id: int, payload: ScheduleIn) -> Any:
    if payload.at is None and not payload.now:
        raise ValidationError({"at": "请填写 at，或传 now:true"})
    job, warnings = services.schedule_variant(
        _variant(request, variant_id), by=caller(request), at=payload.at, now=payload.now
    )
    return _job_out(job, warnings)


@router.post("/publishing/variants/{variant_id}/cancel", response={200: StatusOut, **ERRORS},
             summary="取消排期")  # fmt: skip
def cancel(request: HttpRequest, variant_id: int) -> Any:
    job = services.cancel_variant(_variant(request, variant_id), by=caller(request))
    return {"status": job.state}


@router.post("/publishing/variants/{variant_id}/manual", response={200: StatusOut, **ERRORS},
             summary="已人工发布：粘贴链接")  # fmt: skip
def manual(request: HttpRequest, variant_id: int, payload: ManualPublishIn) -> Any:
    job = services.mark_manual(_variant(request, variant_id), by=caller(request), url=payload.url,
                               published_at=payload.published_at)  # fmt: skip
    return {"status": job.state}


@router.post("/publishing/variants/{variant_id}/withdraw", response={200: StatusOut, **ERRORS},
             summary="撤回（平台支持则调用删除接口，否则生成手动删除任务）")  # fmt: skip
def withdraw(request: HttpRequest, variant_id: int, payload: WithdrawIn) -> Any:
    variant = services.withdraw_variant(_variant(request, variant_id), by=caller(request),
                                        reason=payload.reason)  # fmt: skip
    return {"status": variant.status}


@router.get("/publishing/jobs", response={200: JobsOut, **ERRORS}, summary="发布任务列表")
def jobs(request: HttpRequest, filters: Query[JobFilters], params: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require(user)
    qs = filters.sorted(queries.visible_jobs(user))
    page = qs[params.offset : params.offset + params.limit]
    items = [{"id": j.pk, "variant": j.variant_id, "account": j.account_id,
              "platform": j.platform.code, "state": j.state, "attempts": j.attempts,
              "scheduled_at": j.scheduled_at, "submitted_at": j.submitted_at,
              "published_at": j.published_at, "url": j.url, "error_code": j.error_code,
              "error_message": j.error_message} for j in page]  # fmt: skip
    return {"items": items, "count": qs.count()}
