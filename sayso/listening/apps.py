from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "sayso.listening"
    label = "listening"
    verbose_name = "Listening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sayso.customers import merging
        from sayso.listening.models import Mention

        # What a customer said on the web moves with them when two records are merged.
        merging.register(Mention)

        from sayso.intelligence.analysis import store
        from sayso.intelligence.analysis.spam_feedback import SpamKind, spam_kind_register
        from sayso.listening.selectors import competitor_names_by_id
        from sayso.listening.services import mention_spam_mark

        # Messages from every channel (email too) are analyzed with the organization's
        # competitor names.
        store.competitors_provider(competitor_names_by_id)
        # Staff mark mentions as spam or not on the mentions page: the spam filter learns.
        spam_kind_register(SpamKind(kind="mention", mark=mention_spam_mark))
