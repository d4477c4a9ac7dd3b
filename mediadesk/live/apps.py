from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "mediadesk.live"
    label = "live"
    verbose_name = "直播运营"

    def ready(self) -> None:
        from mediadesk.live import hooks, plug

        plug.register()
        hooks.install()
