"""Helpers of the parity tests: a list page and its API list answer the same rows for the
same query string; a page form and its API write leave the same rows and audit entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.test import Client

from mediadesk.core.models import AuditEntry


def page_rows(client: Client, url: str, params: Mapping[str, Any], key: str = "page") -> Any:
    """The page's status and the ids of the rows it lists (its `key` context object)."""
    response = client.get(url, params)
    if response.status_code != 200:
        return response.status_code, None
    return 200, [row.pk for row in response.context[key]]


def api_rows(client: Client, url: str, params: Mapping[str, Any], limit: int) -> Any:
    response = client.get(url, {**params, "limit": limit})
    if response.status_code != 200:
        return response.status_code, None
    data = response.json()
    assert set(data) == {"items", "count"}
    assert len(data["items"]) <= data["count"]
    return 200, [item["id"] for item in data["items"]]


def assert_same_rows(
    page_client: Client,
    api_client: Client,
    page_url: str,
    api_url: str,
    cases: Iterable[Mapping[str, Any]],
    *,
    limit: int,
    key: str = "page",
) -> int:
    """For every query string: the page and the API agree on status and rows (in order).
    Returns how many cases listed at least one row (so a test can insist on real data)."""
    non_empty = 0
    for params in cases:
        on_page = page_rows(page_client, page_url, params, key)
        on_api = api_rows(api_client, api_url, params, limit)
        if on_page[0] == 403:
            assert on_api[0] == 403, (params, on_api)
            continue
        assert on_page == on_api, (page_url, params, on_page, on_api)
        non_empty += bool(on_page[1])
    return non_empty


def audit_since(last_id: int, **filters: Any) -> list[tuple[str, str, str]]:
    """(action, target type, source) of the audit entries written after `last_id`."""
    rows = AuditEntry.objects.filter(pk__gt=last_id, **filters).exclude(target_type="api_token")
    rows = rows.order_by("id")
    return list(rows.values_list("action", "target_type", "source"))


def last_audit_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def audit_of(run: Callable[[], Any]) -> list[tuple[str, str, str]]:
    """Run one write and return the audit entries it left: (action, target type, source)."""
    start = last_audit_id()
    run()
    return audit_since(start)


def same_audit(page: list[tuple[str, str, str]], api: list[tuple[str, str, str]]) -> None:
    """The page and the API write left the same actions on the same kinds of record, the
    page's from the web and the API's from the api."""
    assert page, "the page write left no audit entry"
    assert [(a, t) for a, t, _ in page] == [(a, t) for a, t, _ in api], (page, api)
    assert {s for *_, s in page} == {"web"} and {s for *_, s in api} == {"api"}, (page, api)
