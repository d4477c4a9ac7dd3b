from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mediadesk.notifications"
    label = "notifications"
    verbose_name = "通知"
