from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "mediadesk.leads"
    label = "leads"
    verbose_name = "客资与判客"
