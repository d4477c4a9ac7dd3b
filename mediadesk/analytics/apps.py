from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "mediadesk.analytics"
    label = "analytics"
    verbose_name = _("数据分析")

    def ready(self) -> None:
        # The dashboards' writes live in services_dash; import it at start-up (like every
        # app's services module) so its audit labels are registered before any page shows.
        from mediadesk.analytics import cards, services_dash  # noqa: F401
        from mediadesk.core import cockpit, registry
        from mediadesk.core.cockpit import card, for_roles
        from mediadesk.core.registry import HomeCard
        from mediadesk.orgs.roles import Role

        # Mounted centrally (urls, API, menu); the app contributes its 工作台 card.
        registry.plug(registry.AppPlug(app="analytics", home_cards=[
            HomeCard("analytics", 31, cockpit.TEMPLATE,
                     card(for_roles(Role.ANALYST, Role.MANAGER, Role.ADMIN), cards.yesterday)),
        ]))  # fmt: skip
