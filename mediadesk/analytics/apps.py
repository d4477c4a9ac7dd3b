from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "mediadesk.analytics"
    label = "analytics"
    verbose_name = "数据分析"

    def ready(self) -> None:
        # The dashboards' writes live in services_dash; import it at start-up (like every
        # app's services module) so its audit labels are registered before any page shows.
        from mediadesk.analytics import services_dash  # noqa: F401
