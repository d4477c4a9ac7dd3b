"""Every page, as an English user, shows no untranslated Chinese outside user data.

The walk starts at every URL pattern that takes no arguments and follows the links on the
pages it finds (one URL per route name), so detail pages of the demo records — and the pages
of apps that plug in later — are covered without a list to maintain. User data (names of
accounts, projects, people, notification texts, stored audit values…) is whatever the
database holds: every text value in it is removed from the page before looking for CJK.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import translation

from mediadesk.matrix.models import AccountStatus, Verification
from mediadesk.orgs import demo
from mediadesk.orgs.models import User
from tests.i18n.catalogue import ensure_compiled

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Apps whose pages are not through gettext yet (a new app may be listed here while it is swept).
NOT_YET_TRANSLATED: set[str] = set()  # every app is through gettext now
# Pages skipped because they show labels of untranslated apps (none).
PENDING_ROUTES: set[str] = set()
SKIP_NAMES = {"orgs:logout"}
TEXT_ATTRS = re.compile(r'\s(?:title|placeholder|aria-label|alt|data-confirm|label)="([^"]*)"')
MAX_PAGES = 400


def route_names(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from route_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def start_urls() -> list[str]:
    urls = []
    for name in sorted(set(route_names(get_resolver()))):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue  # takes arguments: reached through links
    return urls


def user_data() -> list[str]:
    """Every CJK-bearing text value stored in the database, longest first."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in row:
                values.update(_strings(value))
    values.update(fixed_chinese())
    return sorted((v for v in values if CJK.search(v)), key=len, reverse=True)


def fixed_chinese() -> set[str]:
    """Words that stay Chinese in either language: the seed import templates' column names
    and the cell values they accept, and each language's own name in the language switch."""
    from mediadesk.compliance import imports as lexicon_imports
    from mediadesk.compliance.rules import Category, Severity
    from mediadesk.leads import imports as lead_imports
    from mediadesk.matrix import imports

    words = {header for header, _key in imports.COLUMNS} | {"1.2万"}
    words |= set(imports.LEVEL_WORDS) | set(imports.VERIFICATION_WORDS) | set(imports.STATUS_WORDS)
    words |= set(lexicon_imports.COLUMNS) | set(lexicon_imports.ACTIVE_WORDS)
    words |= {note for _h, note in lexicon_imports.NOTES if isinstance(note, str)}
    words |= set(lead_imports.HEADERS)
    with translation.override(None):
        choices = Verification.choices + AccountStatus.choices + Category.choices
        words |= {str(label) for _v, label in choices + Severity.choices}
    return words | {str(name) for _code, name in settings.LANGUAGES}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        yield from value.splitlines()
        # stored templates such as a rule's message “…{keyword}…”, keyword lists, regexes
        # and values cut short on the page: every run of two or more CJK characters
        yield from (run for run in CJK.findall(value) if len(run) > 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    # content a page declares Chinese on purpose (a Chinese word list, the seed templates'
    # fixed column names): <div lang="zh-Hans">…</div>
    page = re.sub(
        r'<(?!html\b)(\w+)\b[^>]*\slang="zh[^"]*"[^>]*>.*?</\1>', " ", page, flags=re.S | re.I
    )
    page = re.sub(r"<input\b[^>]*>", " ", page, flags=re.I)  # input values are user data
    attrs = " ".join(TEXT_ATTRS.findall(page))
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(f"{text} {attrs}")


def is_data(run: str, text: str, data: list[str]) -> bool:
    """A CJK run left after stripping is still data when a stored value holds it as a whole
    run (one-character alternatives of a stored regex) or the page cut a value short (“…”)."""
    if any(run in CJK.findall(value) for value in data):
        return True
    cut_short = re.search(re.escape(run) + r"[^\u3400-\u9fff]{0,3}…", text)
    return bool(cut_short) and any(run in value for value in data)


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def links(page: str) -> Iterator[str]:
    for href in re.findall(r'href="(/[^"#]*)"', page):
        if not href.startswith(("/static/", "/media/", "/api/")):
            yield html.unescape(href)


def untranslated(client: Client, data: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    queue = start_urls()
    seen_routes: set[str] = set()
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        route = route_of(url)
        if route is None or route in seen_routes or route in SKIP_NAMES or url.startswith("/api/"):
            continue
        seen_routes.add(route)
        if route.split(":")[0] in NOT_YET_TRANSLATED or route in PENDING_ROUTES:
            continue
        response = client.get(url)
        visited += 1
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        queue.extend(links(page))
        text = visible_text(page)
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        leftovers = sorted(r for r in set(CJK.findall(text)) if not is_data(r, text, data))
        if leftovers:
            found[f"{url} ({route})"] = leftovers
    assert visited > 20, "the walk reached too few pages to mean anything"
    return found


@pytest.fixture
def demo_world(db: Any) -> None:
    ensure_compiled()
    demo.load()
    User.objects.update(language="en")


@pytest.mark.parametrize("username", ["admin", "manager"])
def test_every_page_is_english_for_an_english_user(demo_world: None, username: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    home = client.get(reverse("core:home")).content.decode()
    assert '<html lang="en">' in home and "Sign out" in home
    found = untranslated(client, user_data())
    report = "\n".join(f"{page}: {' '.join(words)}" for page, words in found.items())
    assert not found, f"untranslated Chinese on {len(found)} pages:\n{report}"


def test_a_chinese_user_still_sees_the_chinese_ui(demo_world: None) -> None:
    user = User.objects.get(username="admin")
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    page = client.get(reverse("core:home")).content.decode()
    assert "退出登录" in page and "Sign out" not in page
    assert '<html lang="zh-Hans">' in page
