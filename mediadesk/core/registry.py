"""What an app plugs into the shell: menu entry, URLs, API router, permissions, home cards, demo.

An app calls `plug(AppPlug(...))` from its `AppConfig.ready()`; the shell (navigation, URL
configuration, the API, `orgs.roles.perms_of`, the home page and `mediadesk demo`) reads the
registered plugs. `core` never imports a domain app, and adding an app touches its own folder
and one line in `INSTALLED_APPS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuEntry:
    """A left-hand menu entry; `key` replaces a 即将上线 placeholder of the same key."""

    key: str
    label: Any  # gettext_lazy text
    icon: str  # bootstrap-icons class, e.g. "bi-broadcast"
    url_name: str
    order: int
    visible: Callable[[Any], bool]  # (user) -> shown or not


@dataclass(frozen=True)
class HomeCard:
    """A card on the 工作台 home; `context(request)` returns None to hide the card."""

    key: str
    order: int
    template: str
    context: Callable[[Any], Mapping[str, Any] | None]
    width: str = "col-12 col-lg-6"  # bootstrap grid classes of the card's column


@dataclass(frozen=True)
class AppPlug:
    """Everything one app contributes to the shell."""

    app: str  # the app label and module name under `mediadesk.`, e.g. "live"
    url_prefix: str | None = None  # "live/" mounts `mediadesk.<app>.urls`
    api: bool = False  # mounts `mediadesk.<app>.api.router` under /api/v1/
    menu: MenuEntry | None = None
    perms: Mapping[str, Any] = field(default_factory=dict)  # code -> label
    grants: Mapping[str, Iterable[str]] = field(default_factory=dict)  # role -> perm codes
    home_cards: Sequence[HomeCard] = ()
    demo: bool = False  # `mediadesk.<app>.demo.load(org=, company=, projects=, users=)`
    demo_order: int = 100  # demo loaders run in this order (after the landed apps')


_PLUGS: dict[str, AppPlug] = {}


def plug(entry: AppPlug) -> None:
    """Register an app's contributions (idempotent per app label)."""
    _PLUGS[entry.app] = entry
    _grants_cache.clear()


def plugs() -> list[AppPlug]:
    return list(_PLUGS.values())


def menu_entries() -> list[MenuEntry]:
    return sorted((p.menu for p in _PLUGS.values() if p.menu), key=lambda m: m.order)


def home_cards() -> list[HomeCard]:
    return sorted((c for p in _PLUGS.values() for c in p.home_cards), key=lambda c: c.order)


def demo_apps() -> list[str]:
    return [p.app for p in sorted(_PLUGS.values(), key=lambda p: p.demo_order) if p.demo]


def perm_labels() -> dict[str, Any]:
    return {code: label for p in _PLUGS.values() for code, label in p.perms.items()}


_grants_cache: dict[str, frozenset[str]] = {}


def granted(role: str) -> frozenset[str]:
    """The permissions registered apps grant to `role`."""
    if role not in _grants_cache:
        _grants_cache[role] = frozenset(
            perm for p in _PLUGS.values() for perm in p.grants.get(role, ())
        )
    return _grants_cache[role]
