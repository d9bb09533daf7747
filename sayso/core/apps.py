from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sayso.core"
    label = "core"

    def ready(self) -> None:
        from sayso.core import checks  # noqa: F401  (registers the deploy checks)
