"""Background work for consent: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from sayso.consent import guard, services
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


@sayso_task(
    queue="email",
    priority=0,
    max_attempts=5,
    backoff=60,
    organization_from=("consent.OutreachAttempt", "attempt_id"),
)
def outreach_release_task(attempt_id: int) -> str:
    """Send a message held for the customer's quiet hours, if the guard still allows it."""
    attempt = guard.outreach_release(attempt_id=attempt_id)
    return str(attempt.outcome) if attempt is not None else "gone"


@sayso_task(queue="email", priority=0, max_attempts=3, backoff=60, periodic=True)
def outreach_release_due() -> int:
    """Every held message whose time has come (where the engine cannot wait for a time, and
    as a safety net where it can)."""
    counts = guard.outreach_release_due()
    return sum(counts.values())
