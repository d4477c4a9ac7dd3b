"""The live app's registration with the shell (menu, URLs, API, permissions, home card)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from mediadesk.core import cockpit, registry
from mediadesk.live import perms
from mediadesk.orgs.roles import Role


def _not_ready_card(request: Any) -> Mapping[str, Any] | None:
    """Sessions starting within 24 h and those not ready (home card, for the roles that run
    sessions)."""
    from mediadesk.core.cockpit import card, for_roles
    from mediadesk.live import cards

    audience = for_roles(Role.MANAGER, Role.OPERATOR, Role.ANCHOR)
    return card(audience, cards.not_ready)(request)


def register() -> None:
    from mediadesk.live import access

    everything = set(perms.LABELS)
    registry.plug(
        registry.AppPlug(
            app="live",
            url_prefix="live/",
            api=True,
            menu=registry.MenuEntry(
                key="live",
                label=_("直播"),
                icon="bi-broadcast",
                url_name="live:plan",
                order=50,
                visible=access.can_view,
            ),
            perms=perms.LABELS,
            grants={
                Role.MANAGER: everything - {perms.LIVE_LEGAL},
                Role.OPERATOR: {perms.LIVE_VIEW, perms.LIVE_MANAGE, perms.LIVE_CONSOLE},
                Role.ANCHOR: {perms.LIVE_VIEW, perms.LIVE_CONSOLE},
                Role.PLANNER: {perms.LIVE_VIEW},
                Role.ANALYST: {perms.LIVE_VIEW},
                Role.LEGAL: {perms.LIVE_VIEW, perms.LIVE_LEGAL},
            },
            home_cards=[
                registry.HomeCard(
                    key="live_not_ready",
                    order=40,
                    template=cockpit.TEMPLATE,
                    context=_not_ready_card,
                )
            ],
            demo=True,
        )
    )
