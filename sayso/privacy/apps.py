from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "sayso.privacy"
    label = "privacy"
    verbose_name = "What you know about me: export and erasure"
