"""What the planning app contributes to the shell (core.registry)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mediadesk.core import cockpit, registry
from mediadesk.orgs.roles import Role
from mediadesk.planning import perms

EVERYONE = (Role.MANAGER, Role.PLANNER, Role.LEGAL, Role.OPERATOR, Role.ANCHOR, Role.SERVICE,
            Role.ANALYST, Role.SALES, Role.CHANNEL)  # fmt: skip


def _visible(user: Any) -> bool:
    from mediadesk.planning.apps import visible

    return visible(user)


def _agenda_card(request: Any) -> dict[str, Any] | None:
    from mediadesk.planning import views

    return views.agenda_card(request)


def _risk_card(request: Any) -> dict[str, Any] | None:
    from mediadesk.planning import views

    return views.risk_card(request)


def register() -> None:
    registry.plug(
        registry.AppPlug(
            app="planning",
            url_prefix="planning/",
            api=True,
            menu=registry.MenuEntry(
                key="goals",
                label=_("目标"),
                icon="bi-bullseye",
                url_name="planning:goals",
                order=80,
                visible=_visible,
            ),
            perms=perms.LABELS,
            grants={
                Role.ADMIN: {perms.VIEW, perms.EDIT},
                Role.MANAGER: {perms.VIEW, perms.EDIT},
                Role.ANALYST: {perms.VIEW},
                **{r: {perms.VIEW} for r in EVERYONE if r not in (Role.MANAGER, Role.ANALYST)},
            },
            home_cards=[
                registry.HomeCard("my_agenda", 5, cockpit.TEMPLATE, _agenda_card),
                registry.HomeCard("goals_at_risk", 6, cockpit.TEMPLATE, _risk_card),
            ],
            demo=True,
        )
    )
