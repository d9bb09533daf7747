from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "sayso.customers"
    label = "customers"

    def ready(self) -> None:
        from sayso.customers import merging
        from sayso.customers.models import Identity, IdentityKind, TimelineEvent

        merging.register(Identity, keep={"kind": IdentityKind.EMAIL_CLAIMED})
        merging.register(TimelineEvent)
