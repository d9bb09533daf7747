from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "sayso.privacy"
    label = "privacy"
    verbose_name = "What you know about me: export and erasure"

    def ready(self) -> None:
        # The providers of the apps whose data this app collects and erases.
        from sayso.privacy import providers  # noqa: F401
