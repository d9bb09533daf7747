from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "sayso.status"
    label = "status"

    def ready(self) -> None:
        from sayso.community import following
        from sayso.intelligence import register_source
        from sayso.status import selectors, services
        from sayso.status.models import Incident

        # What can be followed by email: the whole status page, and one incident.
        following.followable_register(services.STATUS, name="status page")
        following.followable_register("incident", name="incident", model=Incident)

        # Incidents are searched by meaning beside questions and ideas (the question form's
        # "similar problems" while typing).
        register_source(
            "incident", selectors.incident_texts_for_index, count=selectors.incident_count_for_index
        )
