from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "sayso.status"
    label = "status"

    def ready(self) -> None:
        from sayso.intelligence import register_source
        from sayso.status import selectors

        # Incidents are searched by meaning beside questions and ideas (the question form's
        # "similar problems" while typing).
        register_source(
            "incident", selectors.incident_texts_for_index, count=selectors.incident_count_for_index
        )
