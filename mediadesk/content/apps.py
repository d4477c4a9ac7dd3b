from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "mediadesk.content"
    label = "content"
    verbose_name = "内容"
