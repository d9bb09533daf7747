from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the ``sayso demo`` command and the data it loads (``sayso.demo.data``)."""

    name = "sayso.demo"
    label = "demo"
