"""Marks every web request as the origin of the audit entries it causes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from mediadesk.core import context

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        request_id = request.headers.get("X-Request-ID", "")[:36] or uuid.uuid4().hex
        with context.acting_from(source, request_id=request_id, ip=client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class OutOfRangeMiddleware:
    """A number past what the database stores (a form field without a bound, a hand-edited
    post) answers 400 with a clear message instead of a 500. The request's writes run in
    services' transactions, which the exception has already rolled back."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        from django.db import DataError
        from django.http import HttpResponseBadRequest
        from django.utils.translation import gettext as _

        if isinstance(exception, OverflowError | DataError):
            roll_back_failed_statement()
            logger.warning("out-of-range input on %s: %s", request.path, exception)
            return HttpResponseBadRequest(_("输入的数值超出允许范围，请检查后重新提交"))
        return None


def roll_back_failed_statement() -> None:
    """After a refused statement inside an atomic block (PostgreSQL aborts the transaction),
    mark the block for rollback so its exit rolls back to its savepoint instead of failing."""
    from django.db import connection, transaction

    if connection.in_atomic_block:
        transaction.set_rollback(True)
