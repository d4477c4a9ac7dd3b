from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "mediadesk.leads"
    label = "leads"
    verbose_name = _("客资与判客")

    def ready(self) -> None:
        from mediadesk.core import cockpit, registry
        from mediadesk.core.cockpit import card, for_roles
        from mediadesk.core.registry import HomeCard
        from mediadesk.leads import cards
        from mediadesk.orgs.roles import Role

        # Mounted centrally (urls, API, menu); the app contributes its 工作台 cards.
        registry.plug(registry.AppPlug(app="leads", home_cards=[
                HomeCard("sales", 10, cockpit.TEMPLATE, card(for_roles(Role.SALES), cards.sales)),
                HomeCard("capture", 11, cockpit.TEMPLATE, card(for_roles(Role.ANCHOR, Role.SERVICE), cards.capture)),
                HomeCard("channel", 12, cockpit.TEMPLATE, card(for_roles(Role.CHANNEL), cards.channel)),
                HomeCard("lead_kpis", 30, cockpit.TEMPLATE, card(for_roles(Role.MANAGER, Role.ADMIN), cards.lead_kpis)),
        ]))  # fmt: skip
