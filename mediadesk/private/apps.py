from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivateConfig(AppConfig):
    name = "mediadesk.private"
    label = "private"
    verbose_name = _("私域运营")

    def ready(self) -> None:
        from mediadesk.core import registry
        from mediadesk.core.scopes import has_perm
        from mediadesk.orgs.roles import Role
        from mediadesk.private import perms, tasks, views  # noqa: F401 (tasks: nightly job)

        everything = {perms.VIEW, perms.MANAGE, perms.PHONE, perms.INGEST}
        registry.plug(
            registry.AppPlug(
                app="private",
                url_prefix="private/",
                api=True,
                menu=registry.MenuEntry(
                    key="private",
                    label=_("私域"),
                    icon="bi-people",
                    url_name="private:members",
                    order=70,
                    visible=lambda u: has_perm(u, perms.VIEW),
                ),
                perms={
                    perms.VIEW: _("查看私域用户"),
                    perms.MANAGE: _("管理私域"),
                    perms.PHONE: _("查看私域用户全号"),
                    perms.INGEST: _("上报私域事件"),
                },
                grants={
                    Role.MANAGER: everything,
                    Role.OPERATOR: {perms.VIEW, perms.INGEST},
                    Role.ANALYST: {perms.VIEW},
                },
                home_cards=[
                    registry.HomeCard(
                        key="private",
                        order=70,
                        template="private/_home_card.html",
                        context=views.home_card,
                    )
                ],
                demo=True,
                demo_order=150,  # after engagement (standard replies) and live
            )
        )
