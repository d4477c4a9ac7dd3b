from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mediadesk.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from mediadesk.core import jobs  # noqa: F401  (registers the demo periodic job)
