from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "mediadesk.orgs"
    label = "orgs"
    verbose_name = "组织与用户"

    def ready(self) -> None:
        from mediadesk.orgs import services  # noqa: F401  (registers audit actions)
