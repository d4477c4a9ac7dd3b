"""API schemas: the shared input bases, pagination, error body and messages; the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, field_validator

from mediadesk.core import audit, dates
from mediadesk.core.models import AuditEntry

# Primary keys are 64-bit; anything larger would overflow the database driver.
MAX_ID = 2**63 - 1
# Positive integer columns (followers, limits) are 32-bit on PostgreSQL.
MAX_INT = 2**31 - 1
MAX_OFFSET = 10**9

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _date_text(value: Any) -> Any:
    # Only ISO dates: pydantic would also read numbers as Unix timestamps.
    if isinstance(value, str | dt.date):
        return value
    raise ValueError("应为日期（YYYY-MM-DD）")


IsoDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(dates.bounded)]


def _check_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and no driver can encode lone surrogates.
    if "\x00" in value:
        raise ValueError("不能包含空字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("包含无法识别的字符") from None
    return value


class Input(Schema):
    """Base of every input schema: text must be storable in any database."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _check_text(value)
        return value


class BodyIn(Input):
    """Base of JSON bodies: unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class QueryIn(Input):
    """Base of query-string filters: an empty parameter (`?level=`) means "not given"."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class PageIn(QueryIn):
    """`?limit=&offset=` of every list endpoint."""

    limit: int = Field(50, ge=1, le=500, description="每页条数（1–500）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class Page[T](Schema):
    """A page of a list: the items and the total count of matching rows."""

    items: list[T]
    count: int


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    """The error body of every 4xx answer."""

    detail: str
    errors: list[FieldError] = []


def page_of[M](qs: QuerySet[Any, M], page: PageIn) -> dict[str, Any]:
    """The `{"items", "count"}` answer for one page of a queryset (which must be ordered)."""
    return {"items": list(qs[page.offset : page.offset + page.limit]), "count": qs.count()}


def params_of(filters: Schema) -> dict[str, str]:
    """Given filters as the string mapping the shared `filter_…` query functions take."""
    out = {}
    for key, value in filters.model_dump(exclude_none=True).items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out


def caller(request: HttpRequest) -> Any:
    """The user an API request is authenticated as (by bearer token or session)."""
    return getattr(request, "auth", None)


_MESSAGES = {
    "missing": "必填",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_type": "应为文本",
    "string_unicode": "包含无法识别的字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "extra_forbidden": "不支持的字段",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD）",
    "dict_type": "请求体应为 JSON 对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "json_invalid": "JSON 格式错误",
    "list_type": "应为列表",
}
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form"}


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_too_short":
        return (
            "不能为空" if ctx.get("min_length") == 1 else "至少 {min_length} 个字符".format(**ctx)
        )
    template = _MESSAGES.get(kind)
    if template is None:
        return "输入无效"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template


def _field(loc: Iterable[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:  # ("body", <handler argument>, field, …)
        parts = parts[2:]
    elif parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or None


def schema_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ninja's validation errors as `[{field, message}]` with Chinese messages."""
    return [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in errors]


class AuditFilters(QueryIn):
    target_type: str | None = Field(None, max_length=40, description="对象类型，如 account")
    target_id: str | None = Field(None, max_length=64)
    action: str | None = Field(None, max_length=64, description="动作名或其前缀，如 account.")
    actor: str | None = Field(None, max_length=150, description="操作人（用户名包含）")
    source: str | None = Field(None, max_length=10, description="web / api / cli / task / system")
    since: IsoDate | None = Field(None, description="起始日期（含）")
    until: IsoDate | None = Field(None, description="截止日期（含）")


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    actor_id: int | None
    action: str
    action_label: str
    target_type: str
    target_id: str
    target_label: str
    changes: dict[str, Any]
    source: str
    request_id: str

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str:
        return obj.actor_label

    @staticmethod
    def resolve_action_label(obj: AuditEntry) -> str:
        return str(audit.action_label(obj.action))
