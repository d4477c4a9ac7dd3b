from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "mediadesk.publishing"
    label = "publishing"
    verbose_name = _("发布")

    def ready(self) -> None:
        from mediadesk.content import calendar
        from mediadesk.core import cockpit, registry, scopes
        from mediadesk.matrix import queries as matrix_queries
        from mediadesk.orgs.roles import Role
        from mediadesk.publishing import jobs, perms  # noqa: F401 (registers periodic jobs)
        from mediadesk.publishing.queries import calendar_states, connection_findings, home_card

        if connection_findings not in matrix_queries.EXTRA_FINDINGS:
            matrix_queries.EXTRA_FINDINGS.append(connection_findings)
        if calendar_states not in calendar.STATUS_OVERLAYS:
            calendar.STATUS_OVERLAYS.append(calendar_states)
        from django.db.models.signals import post_save

        from mediadesk.content.models import Variant
        from mediadesk.publishing.signals import follow_planned_at

        post_save.connect(follow_planned_at, sender=Variant, dispatch_uid="publishing.follow")
        everything = (perms.VIEW, perms.PUBLISH, perms.CONNECT)
        registry.plug(
            registry.AppPlug(
                app="publishing",
                url_prefix="publishing/",
                api=True,
                menu=registry.MenuEntry(
                    key="publishing",
                    label=_("发布"),
                    icon="bi-send",
                    url_name="publishing:queue",
                    order=35,
                    visible=lambda user: scopes.has_perm(user, perms.VIEW),
                ),
                perms=perms.LABELS,
                home_cards=[
                    registry.HomeCard(
                        key="publishing",
                        order=25,
                        template=cockpit.TEMPLATE,
                        context=home_card,
                    )
                ],
                grants={
                    Role.MANAGER: everything,
                    Role.OPERATOR: everything,
                    Role.PLANNER: (perms.VIEW,),
                    Role.LEGAL: (perms.VIEW,),
                    Role.ANALYST: (perms.VIEW,),
                },
                demo=True,
                demo_order=120,
            )
        )
