from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "sayso.consent"
    label = "consent"

    def ready(self) -> None:
        from sayso.consent import checks  # noqa: F401 (registers the deploy check)
        from sayso.consent.guard import outreach_reply
        from sayso.consent.models import ConsentRecord, ContactPreferences, OutreachAttempt
        from sayso.conversations.reply_guard import reply_guard_register
        from sayso.customers import merging

        # A staff reply in a case the customer did not open is outreach: it goes through the
        # guard (conversations refuses it while no guard is registered).
        reply_guard_register(outreach_reply)

        # A merge moves a customer's choices and attempts with them (the newest choice wins);
        # the merged-away record keeps its preferences when the survivor has its own.
        merging.register(ConsentRecord)
        merging.register(OutreachAttempt)
        merging.register(ContactPreferences, unique_with=("organization",))
        try:
            from sayso.webhooks.events import event_type_register
        except ImportError:  # pragma: no cover (an installation without the webhooks app)
            return
        event_type_register(
            "consent.changed", "A customer gave, refused or withdrew consent for a channel."
        )
