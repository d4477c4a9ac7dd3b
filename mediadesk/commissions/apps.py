from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "mediadesk.commissions"
    label = "commissions"
    verbose_name = _("佣金与激励")

    def ready(self) -> None:
        from mediadesk.commissions import cards
        from mediadesk.core import cockpit, registry
        from mediadesk.core.cockpit import card, for_roles
        from mediadesk.core.registry import HomeCard
        from mediadesk.orgs.roles import Role

        # Mounted centrally (urls, API, menu); the app contributes its 工作台 cards.
        registry.plug(registry.AppPlug(app="commissions", home_cards=[
                HomeCard("commissions", 34, cockpit.TEMPLATE, card(for_roles(Role.MANAGER, Role.ADMIN), cards.approvals)),
        ]))  # fmt: skip
