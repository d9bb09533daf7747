from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sayso.notifications"
    label = "notifications"

    def ready(self) -> None:
        from sayso.core.mail import mail_queue_register
        from sayso.notifications.outbox import mail_queue

        # core's own mail (invitations, password resets) goes through the outbox too.
        mail_queue_register(mail_queue)
