from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sayso.core"
    label = "core"
