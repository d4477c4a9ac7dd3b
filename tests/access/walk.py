"""The URL walk shared by the permission-table test: find one URL per route name.

Routes without arguments are reversed; routes with arguments are found by following the links
(`href`, `hx-get`, form `action`s) of the pages the demo administrator sees, so every detail
page of a demo record — and every page an app plugs in later — is reached without a list to
maintain (the crawl of tests/i18n/test_english_pages.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

LINK = re.compile(r'(?:href|hx-get|action)="(/[^"#]*)"')
SKIP_PREFIXES = ("/static/", "/media/")
MAX_PAGES = 600


def route_names(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from route_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def start_urls(names: set[str]) -> list[str]:
    urls = []
    for name in sorted(names):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue  # takes arguments: reached through links
    return urls


def links(page: str) -> Iterator[str]:
    for href in LINK.findall(page):
        if not href.startswith(SKIP_PREFIXES):
            yield html.unescape(href).split("?")[0]


def argless_routes() -> set[str]:
    return {route_of(url) or "" for url in start_urls(set(route_names()))}


def crawl(client: Client, names: set[str], skip: set[str]) -> dict[str, tuple[str, int]]:
    """Route name → (the first URL found for it, its GET status), walking from the routes
    without arguments and following the links of every HTML page answered 200."""
    found: dict[str, tuple[str, int]] = {}
    queue = start_urls(names)
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        route = route_of(url)
        if route is None or route in found or route in skip:
            continue
        response = client.get(url)
        found[route] = (url, response.status_code)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            queue.extend(links(response.content.decode()))
    return found
