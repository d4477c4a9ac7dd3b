"""The NinjaAPI at /api/v1/: bearer tokens or the session, one error format, every app's router."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer

from mediadesk.core import registry
from mediadesk.core.errors import Conflict
from mediadesk.core.schemas import schema_errors
from mediadesk.orgs.auth import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        # Without a logged-in session the answer is 401, not a CSRF 403.
        if not getattr(getattr(request, "user", None), "is_authenticated", False):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8 rather than \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


ERROR_STATUSES = {
    400: "输入有误（字段级错误在 errors 中）",
    401: "未登录或令牌无效",
    403: "没有权限",
    404: "未找到（或不在你的范围内）",
    409: "状态冲突（记录已被修改）",
    422: "参数不符合接口定义",
}


class MediaDeskAPI(NinjaAPI):
    """The API whose schema documents, on every operation, the error answers the shared
    exception handlers below can give (so a client and a fuzzer know every status to expect)."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, text in ERROR_STATUSES.items():
                    if status == 401 and "security" not in operation:
                        continue
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": text, "content": error}
        return schema


api = MediaDeskAPI(
    title="MediaDesk API",
    version="1",
    description="新媒体运营工作台 API。认证：`Authorization: Bearer <token>`（令牌在个人资料页创建，"
    '或 `POST /api/v1/auth/token`）。列表返回 `{"items": [...], "count": N}`，支持 `?limit=&offset=`。',
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[Any] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, _("输入有误"), schema_errors(exc.errors))


HTTP_ERRORS = {
    400: gettext_lazy("请求体不是有效的 JSON"),
    403: gettext_lazy("CSRF 校验失败，请刷新页面后重试"),
    429: gettext_lazy("请求过于频繁"),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(HTTP_ERRORS.get(exc.status_code, str(exc))))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, Any]]
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    return _error(request, 400, _("输入有误"), errors)


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value past what its column holds (an integer beyond the column's range): the input is
    wrong, not the server. Inside a transaction the failed statement is rolled back."""
    from mediadesk.core.middleware import roll_back_failed_statement

    roll_back_failed_statement()
    return _error(request, 400, _("数值超出允许范围"))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("没有权限"))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("未找到"))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("未登录或令牌无效"))


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _error(request, 409, str(exc))


def _mount() -> None:
    from mediadesk.core.api import router as audit_router
    from mediadesk.matrix.api import router as matrix_router
    from mediadesk.orgs.api import router as orgs_router

    api.add_router("/", orgs_router)
    api.add_router("/", matrix_router)
    api.add_router("/", audit_router)
    for app in ("compliance", "content", "review", "analytics", "leads", "commissions"):
        module = importlib.import_module(f"mediadesk.{app}.api")
        api.add_router("/", module.router)
    for plugged in registry.plugs():
        if plugged.api:
            api.add_router("/", importlib.import_module(f"mediadesk.{plugged.app}.api").router)


_mount()
