from typing import Any

from django.apps import AppConfig


def _reindex_cases(source: Any, target: Any) -> None:
    """After a merge or its undoing, the similar-item index stores each moved case with its
    new customer (``customer_id`` metadata, which same-problem matching filters on)."""
    from sayso.conversations.models import Case
    from sayso.intelligence import index_coalesced, index_item_later

    with index_coalesced():
        for case_id in Case.objects.filter(customer__in=[source, target]).values_list(
            "id", flat=True
        ):
            index_item_later(organization=target.organization, kind="case", object_id=case_id)


def _customer_cases(*, organization: Any, customer: Any) -> Any:
    """The customer page's cases: the 50 newest."""
    from sayso.conversations.selectors import cases_of_customer

    return cases_of_customer(organization=organization, customer=customer)[:50]


class ConversationsConfig(AppConfig):
    name = "sayso.conversations"
    label = "conversations"

    def ready(self) -> None:
        from sayso.conversations import analysis_source, indexing
        from sayso.conversations.email_outbound import reply_delivery_record
        from sayso.conversations.models import Case, Commitment, Message
        from sayso.customers import merging
        from sayso.customers.sections import CUSTOMER
        from sayso.notifications.models import MailKind
        from sayso.notifications.outbox import delivery_watcher_register

        merging.register(Case, after=_reindex_cases)
        merging.register(Message)
        merging.register(Commitment)
        # A reply's mail: its delivery (or failure) shows on the message.
        delivery_watcher_register(MailKind.REPLY, reply_delivery_record)
        # Cases and messages are searched by meaning (the similar-item index).
        indexing.sources_register()
        # Stored messages are analyzed (sentiment, intents, spam, duplicates).
        analysis_source.source_register()
        # The staff customer page lists the customer's cases.
        CUSTOMER.register("cases", _customer_cases)
