from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "sayso.intelligence"
    label = "intelligence"
