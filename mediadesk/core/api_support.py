"""What the apps' API modules share beyond the schemas: error maps, list answers, the
import shape (upload → preview → confirm, on the same stash as the pages) and how an
operation documents who may call it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import ConfigDict

from mediadesk.core import imports
from mediadesk.core.errors import ValidationError
from mediadesk.core.excel import Table
from mediadesk.core.filters import FilterSet
from mediadesk.core.schemas import ErrorOut, PageIn, caller

READ_ERRORS: dict[int, type] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
ONE_ERRORS: dict[int, type] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, type] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
}  # fmt: skip


def example(**values: Any) -> ConfigDict:
    """A schema's `model_config` carrying one example for the API docs."""
    return ConfigDict(json_schema_extra={"examples": [values]})


def who(text: str) -> str:
    """An operation's description line naming who may call it (shown in the API docs)."""
    return f"**权限**：{text}"


def listed(
    qs: QuerySet[Any], filters: FilterSet, page: PageIn, row: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """`{"items", "count"}` of one page of `qs` narrowed and sorted by `filters` — the same
    rows, in the same order, as the list page shows for the same query string."""
    ordered = filters.sorted(qs)
    items = list(ordered[page.offset : page.offset + page.limit])
    return {"items": [row(i) for i in items] if row else items, "count": ordered.count()}


class ImportPreviewOut(Schema):
    """The checked upload: nothing is written until `POST …/confirm` with the token."""

    token: str
    filename: str
    rows: int
    ok: bool
    errors: list[str]

    model_config = example(
        token="0f" * 16, filename="线索.xlsx", rows=2, ok=False,
        errors=["第 3 行「手机号」：不是有效的手机号"],
    )  # fmt: skip


class ImportDoneOut(Schema):
    """What the confirmed import wrote (all rows, in one transaction)."""

    created: int
    updated: int = 0


def read_file(upload: Any, read: Callable[[Any], Table]) -> tuple[Table, str]:
    """The uploaded file parsed by the app's reader; a 400 `{detail, errors}` naming the
    file when it cannot be read."""
    try:
        return read(upload), upload.name or ""
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc


def preview_errors(preview: Any) -> list[str]:
    """An import preview's messages: file-level problems, then each refused row's."""
    return list(preview.problems) + [m for r in preview.error_rows for m in r.messages]


def preview_answer(
    request: HttpRequest,
    table: Table,
    filename: str,
    *,
    errors: Iterable[str],
    rows: int,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Stash the parsed upload for the caller and answer its preview."""
    messages = list(errors)
    token = imports.stash(table, user=caller(request), filename=filename, meta=meta)
    return {"token": token, "filename": filename, "rows": rows, "ok": not messages,
            "errors": messages}  # fmt: skip


def pending(request: HttpRequest, token: str) -> tuple[Table, str, dict[str, Any]]:
    """The caller's stashed upload under `token` (404 `{detail}` when gone or not theirs)."""
    from django.http import Http404

    user = caller(request)
    found = imports.unstash(token, user=user)
    meta = imports.stashed_meta(token, user=user)
    if found is None or meta is None:
        raise Http404
    return found[0], found[1], meta


def form_checked(form: Any) -> Any:
    """Run a page's form over API input (the same choices, limits and messages as the page);
    a 400 `{detail, errors}` naming each field when it does not validate."""
    if not form.is_valid():
        raise ValidationError(
            {
                field if field != "__all__" else "form": list(errors)
                for field, errors in form.errors.items()
            }
        )
    return form


def form_data(initial: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A form's data for a partial update: the record's current values overlaid with the
    fields the caller sent (linked rows as their ids, many-to-many as id lists)."""
    data: dict[str, Any] = {}
    for key, value in {**initial, **changes}.items():
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        data[key] = getattr(value, "pk", value) if not isinstance(value, list) else value
        if data[key] is None:
            data[key] = ""
    return data
