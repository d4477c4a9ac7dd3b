"""Form fuzz: every HTML form the demo's manager and administrator can reach is posted with
hostile values (over-long text, NUL, emoji, bad and extreme dates and numbers, unknown
choices, huge ids). No answer may be a 500, and a refused post writes no audit entry."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from mediadesk.core.models import AuditEntry
from mediadesk.orgs import demo
from mediadesk.orgs.models import User
from tests.i18n.test_english_pages import links, route_of, start_urls

HOSTILE = [
    "x" * 20_000,
    "nul\x00byte",
    "😀🏠 emoji 混合 ＡＢＣ",
    "9999-12-31",
    "0001-01-01T00:00",
    "-1",
    "1e309",
    "99999999999999999999",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]
SKIP_ACTIONS = ("/logout/", "/deactivate/", "/profile/password/", "/profile/totp", "/tokens/")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
MAX_PAGES = 250


def post_forms(page: str, url: str) -> Iterator[tuple[str, list[str]]]:
    """(action, field names) of the page's POST forms (multipart ones too)."""
    for attrs, body in FORM.findall(page):
        if "post" not in attrs.lower():
            continue
        found = re.search(r'action="([^"]*)"', attrs)
        action = html.unescape(found.group(1)) if found and found.group(1) else url
        if (
            not action.startswith("/")
            or action.startswith(SKIP_ACTIONS)
            or any(s in action for s in SKIP_ACTIONS)
        ):
            continue
        names = [n for n in FIELD.findall(body) if n != "csrfmiddlewaretoken"]
        yield action, sorted(set(names))


def forms_reachable(client: Client) -> dict[str, list[str]]:
    forms: dict[str, list[str]] = {}
    queue, seen = start_urls(), set()
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        route = route_of(url)
        if route is None or route in seen or route == "orgs:logout":
            continue
        seen.add(route)
        response = client.get(url)
        visited += 1
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        queue.extend(links(page))
        for action, names in post_forms(page, url):
            if names and route_of(action) not in {route_of(a) for a in forms}:
                forms[action] = names
    return forms


def _where(exc: BaseException) -> str:
    """The exception and the last frame of ours it passed through."""
    import traceback

    ours = [f for f in traceback.extract_tb(exc.__traceback__) if "/mediadesk/" in f.filename]
    place = f"{ours[-1].filename.rsplit('/mediadesk/', 1)[-1]}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {place}: {str(exc)[:80]}"


@pytest.fixture
def demo_data(db: Any) -> None:
    demo.load()


@pytest.mark.parametrize("username", ["manager", "admin"])
def test_hostile_values_never_break_a_form(demo_data: None, username: str) -> None:
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    forms = forms_reachable(client)
    assert len(forms) > 15, "the walk reached too few forms to mean anything"
    broken = []
    for action, names in forms.items():
        for value in HOSTILE:
            client.force_login(user)
            before = AuditEntry.objects.count()
            try:
                with transaction.atomic():  # a savepoint per post, as a request would be
                    response = client.post(action, {name: value for name in names})
            except Exception as exc:
                broken.append(f"{action} {value[:20]!r} → {_where(exc)}")
                continue
            if response.status_code >= 500:
                broken.append(f"{action} {value[:20]!r} → {response.status_code}")
            elif response.status_code in (200, 400, 403, 404, 409, 422):
                # a form shown again (refused) wrote nothing
                wrote = AuditEntry.objects.count() - before
                if response.status_code != 200 and wrote:
                    broken.append(f"{action} {value[:20]!r} refused but wrote {wrote} entries")
    assert not broken, "\n".join(broken[:40])
