from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "mediadesk.engagement"
    label = "engagement"
    verbose_name = _("互动与舆情")

    def ready(self) -> None:
        from mediadesk.analytics import hints
        from mediadesk.core import registry, scopes
        from mediadesk.engagement import perms, queries, senders, weibo
        from mediadesk.orgs.roles import Role

        def visible(user: object) -> bool:
            return scopes.has_perm(user, perms.VIEW) or scopes.has_perm(user, perms.OPINION_VIEW)

        hints.register_feedback(queries.post_hint_feedback)
        senders.register("weibo", weibo.sender_for)
        registry.plug(
            registry.AppPlug(
                app="engagement",
                url_prefix="engagement/",
                api=True,
                menu=registry.MenuEntry(
                    key="engagement",
                    label=_("互动"),
                    icon="bi-chat-dots",
                    url_name="engagement:inbox",
                    order=60,
                    visible=visible,
                ),
                perms=perms.LABELS,
                grants={
                    Role.MANAGER: perms.ALL,
                    Role.SERVICE: (perms.VIEW, perms.HANDLE, perms.INGEST, perms.OPINION_VIEW),
                    Role.OPERATOR: (
                        perms.VIEW,
                        perms.HANDLE,
                        perms.INGEST,
                        perms.REPLIES,
                        perms.OPINION_VIEW,
                    ),
                    Role.LEGAL: (
                        perms.VIEW,
                        perms.REPLIES,
                        perms.APPROVE,
                        perms.OPINION_VIEW,
                        perms.OPINION_MANAGE,
                    ),
                    Role.ANALYST: (perms.VIEW, perms.OPINION_VIEW, perms.LEXICON),
                    Role.PLANNER: (perms.VIEW,),
                },
                home_cards=[
                    registry.HomeCard(
                        key="engagement",
                        order=60,
                        template="core/home/cockpit_card.html",
                        context=queries.home_card,
                    )
                ],
                demo=True,
                demo_order=120,
            )
        )
