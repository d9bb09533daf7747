"""Background work for consent: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from sayso.consent import services


@task()
def campaign_send_task(campaign_id: int) -> bool:
    return services.campaign_send(campaign_id=campaign_id) is not None
