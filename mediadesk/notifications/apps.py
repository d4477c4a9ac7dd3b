from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "mediadesk.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from mediadesk.core import registry

        # The shell mounts our API router (notifications, robots, deliveries); the menu and
        # pages stay in the shell's settings area.
        registry.plug(registry.AppPlug(app="notifications", api=True))
