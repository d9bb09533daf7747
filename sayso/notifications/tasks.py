"""Background work for notifications (thin: ids in, services do the work)."""

from __future__ import annotations

from django_tasks import task

from sayso.notifications import services


@task()
def email_alert(alert_id: int) -> bool:
    return services.alert_deliver_email(alert_id=alert_id)
