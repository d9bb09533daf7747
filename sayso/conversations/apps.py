from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "sayso.conversations"
    label = "conversations"

    def ready(self) -> None:
        from sayso.conversations.models import Case, Commitment, Message
        from sayso.customers import merging

        merging.register(Case)
        merging.register(Message)
        merging.register(Commitment)
