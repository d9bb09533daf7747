from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "sayso.status"
    label = "status"

    def ready(self) -> None:
        from sayso.community import following
        from sayso.community import sections as community_sections
        from sayso.conversations import sections
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
        # A case's incidents on the staff case page and on the portal; the incidents in progress
        # on the portal's home and new-case pages, and their count as the inbox's link.
        sections.STAFF_CASE.register("incidents", selectors.incidents_of_case)
        sections.PORTAL_CASE.register("incidents", selectors.incidents_of_case)
        sections.PORTAL_NOTICES.register("incidents", selectors.incidents_in_progress)
        sections.INBOX.register("incident_count", selectors.incidents_open_count)
        # The question form's similar problems include incidents; staff link questions to them.
        community_sections.SIMILAR_PROBLEMS.register("incidents", selectors.similar_incidents)
        community_sections.link_target_register("incident", selectors.incident_get)
