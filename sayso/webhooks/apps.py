from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "sayso.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # The changes other apps make become events here: what the timeline records (cases,
        # messages, commitments), and the rows the timeline does not cover (idea status
        # changes, incident updates). Mentions are told by the listening pipeline.
        from sayso.webhooks import sources

        sources.connect()
