from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "mediadesk.content"
    label = "content"
    verbose_name = _("内容")

    def ready(self) -> None:
        from mediadesk.content import cards
        from mediadesk.core import cockpit, registry
        from mediadesk.core.cockpit import card, for_roles
        from mediadesk.core.registry import HomeCard
        from mediadesk.orgs.roles import Role

        # Mounted centrally (urls, API, menu); the app contributes its 工作台 cards.
        registry.plug(registry.AppPlug(app="content", home_cards=[
                HomeCard("planner", 20, cockpit.TEMPLATE, card(for_roles(Role.PLANNER), cards.planner)),
                HomeCard("operator", 22, cockpit.TEMPLATE, card(for_roles(Role.OPERATOR), cards.operator)),
                HomeCard("content_kpis", 32, cockpit.TEMPLATE, card(for_roles(Role.MANAGER, Role.ADMIN), cards.content_kpis)),
        ]))  # fmt: skip
