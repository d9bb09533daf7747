"""Background work of webhooks (thin: ids in, services do the work), on the ``webhooks``
queue. Each task is safe to run any number of times: a delivery's claim lets one attempt
through, and the retry schedule is kept in the delivery rows, not in the engine."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.webhooks import services
from sayso.webhooks.events import queue_deliveries


@sayso_task(
    queue="webhooks",
    priority=5,
    max_attempts=3,
    backoff=10,
    organization_from=("webhooks.Delivery", "delivery_id"),
)
def deliver(delivery_id: int) -> str:
    """webhooks.deliver: the next attempt of one delivery, if it is due and nobody holds it."""
    attempt = services.delivery_attempt(delivery_id=delivery_id)
    if attempt is not None:
        return attempt.outcome
    held_until = services.delivery_held_until(delivery_id=delivery_id)
    if held_until is not None:
        # Another attempt holds it (or held it, in a worker that died): look again when its
        # lease ends, rather than wait for the periodic sweep.
        queue_deliveries([delivery_id], run_after=held_until)
        return "held"
    return "not due"


@sayso_task(queue="webhooks", priority=0, max_attempts=1, periodic=True)
def deliver_due() -> int:
    """webhooks.deliver_due (periodic): deliveries whose own task never ran or whose worker
    died mid-attempt (past its lease) are queued again."""
    ids = services.deliveries_due()
    queue_deliveries(ids)
    return len(ids)


@sayso_task(queue="maintenance", priority=-10, max_attempts=1, periodic="17 * * * *")
def prune_log() -> int:
    """webhooks.prune_log (hourly): the delivery log beyond ``SAYSO_WEBHOOK_LOG_DAYS``."""
    return services.deliveries_prune()
