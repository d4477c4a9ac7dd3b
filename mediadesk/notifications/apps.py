from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "mediadesk.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from mediadesk.notifications import jobs  # noqa: F401  (registers the periodic job)

        # Each app registers its notification kinds (and audit labels) in its services module;
        # import them all so the robot subscription form lists every kind.
        autodiscover_modules("services")
