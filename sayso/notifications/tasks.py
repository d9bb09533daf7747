"""Background work for notifications (thin: ids in, services do the work)."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.notifications import outbox, services


# The outbox keeps its own attempts and back-off in the row (a refused send is recorded, not
# raised), so the engine's retries only cover a worker that died: the claim makes a rerun
# that finds the row taken, or done, a no-op.
@sayso_task(
    queue="email",
    priority=10,
    max_attempts=3,
    backoff=30,
    organization_from=("notifications.OutgoingMail", "mail_id"),
)
def send_mail(mail_id: int) -> str:
    """Send one outgoing mail (sayso/notifications/outbox.py)."""
    return outbox.mail_send(mail_id=mail_id)


@sayso_task(queue="email", priority=5, max_attempts=1, periodic=True)
def send_due_mail() -> int:
    """The periodic sweep: retries that are due, queued mail whose task was lost, and mail a
    dead worker left "sending" past its lease."""
    return outbox.mail_send_due()


@sayso_task(queue="maintenance", priority=-20, max_attempts=3, backoff=300, periodic="37 3 * * *")
def prune_mail() -> int:
    """Delivered mail older than SAYSO_MAIL_KEEP_DAYS is deleted, once a day."""
    return outbox.mail_prune()


@sayso_task(
    queue="email",
    priority=10,
    max_attempts=10,
    backoff=30,
    organization_from=("notifications.Alert", "alert_id"),
)
def email_alert(alert_id: int) -> bool:
    """Kept for tasks queued before the outbox: queues the alert's mail."""
    return services.alert_mail_queue(alert_id=alert_id) is not None
