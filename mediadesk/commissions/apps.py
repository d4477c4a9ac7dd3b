from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "mediadesk.commissions"
    label = "commissions"
    verbose_name = "佣金与激励"
