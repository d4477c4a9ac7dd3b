from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "mediadesk.matrix"
    label = "matrix"
    verbose_name = "账号矩阵"

    def ready(self) -> None:
        from mediadesk.matrix import services  # noqa: F401  (audit actions, handover kinds)
