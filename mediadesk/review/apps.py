from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "mediadesk.review"
    label = "review"
    verbose_name = "三级审核"
