"""Marks every web request as the origin of the audit entries it causes."""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mediadesk.core import context

logger = logging.getLogger(__name__)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted(tuple(settings.TRUSTED_PROXIES)))


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless it is one of TRUSTED_PROXIES; then the
    X-Forwarded-For hops are read right to left and the first untrusted one is the client
    (a client cannot forge its way past the proxy, which appends the address it saw)."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    if remote is None or not _is_trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted(hop):
            return _valid(hop) or remote
    return remote


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
