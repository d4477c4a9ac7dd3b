from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "mediadesk.review"
    label = "review"
    verbose_name = _("三级审核")

    def ready(self) -> None:
        from mediadesk.core import cockpit, registry
        from mediadesk.core.cockpit import card, for_roles
        from mediadesk.core.registry import HomeCard
        from mediadesk.orgs.roles import Role
        from mediadesk.review import cards

        # Mounted centrally (urls, API, menu); the app contributes its 工作台 cards.
        registry.plug(registry.AppPlug(app="review", home_cards=[
                HomeCard("reviewer", 21, cockpit.TEMPLATE, card(for_roles(Role.PLANNER, Role.MANAGER, Role.LEGAL), cards.reviewer)),
                HomeCard("review_stuck", 33, cockpit.TEMPLATE, card(for_roles(Role.PLANNER, Role.MANAGER, Role.ADMIN), cards.stuck)),
        ]))  # fmt: skip
