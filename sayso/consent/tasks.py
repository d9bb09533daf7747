"""Background work for consent: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from sayso.consent import services
from sayso.core.task_engine import sayso_task


# Each customer's attempt has its own idempotency key: a retried run sends nothing twice.
@sayso_task(
    queue="email",
    priority=0,
    max_attempts=5,
    backoff=60,
    organization_from=("consent.Campaign", "campaign_id"),
)
def campaign_send_task(campaign_id: int) -> bool:
    return services.campaign_send(campaign_id=campaign_id) is not None
