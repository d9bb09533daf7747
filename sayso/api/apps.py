from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sayso.api"
    label = "api"
