from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mediadesk.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        # Every app registers its audit labels, handover kinds and notification kinds in its
        # `services` module and its periodic jobs in `jobs`: import them all at start-up so
        # the registries are complete whichever page or command runs first.
        autodiscover_modules("services", "jobs")
