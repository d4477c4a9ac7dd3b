from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatrixConfig(AppConfig):
    name = "mediadesk.matrix"
    label = "matrix"
    verbose_name = _("账号矩阵")
