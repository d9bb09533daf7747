from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sayso.notifications"
    label = "notifications"
