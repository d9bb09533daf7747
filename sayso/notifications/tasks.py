"""Background work for notifications (thin: ids in, services do the work)."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.notifications import services


@sayso_task(
    queue="email",
    priority=10,
    max_attempts=10,
    backoff=30,
    organization_from=("notifications.Alert", "alert_id"),
)
def email_alert(alert_id: int) -> bool:
    return services.alert_deliver_email(alert_id=alert_id)
