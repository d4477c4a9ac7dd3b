from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "mediadesk.matrix"
    label = "matrix"
    verbose_name = "账号矩阵"
