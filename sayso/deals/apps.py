from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "sayso.deals"
    label = "deals"
    verbose_name = "Intents, offers and deals"

    def ready(self) -> None:
        from sayso.deals import events, grants

        # The outreach guard lets an offer through to a customer who published an intent, while
        # the intent is open (its own consent, with its own end).
        grants.register()
        events.register()
