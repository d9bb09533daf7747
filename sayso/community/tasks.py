"""Background work of the public voice (thin: ids in, services do the work)."""

from __future__ import annotations

from sayso.community import following
from sayso.core.task_engine import sayso_task


@sayso_task(queue="email", max_attempts=10, backoff=60)
def deliver_notices(organization_id: int, event: str) -> int:
    """community.deliver_notices: email one event's immediate notices."""
    return following.notices_deliver(organization_id=organization_id, event=event)


@sayso_task(queue="email", max_attempts=3, backoff=60, periodic=True)
def send_digests() -> int:
    """community.send_digests: the daily digests that are due (periodic)."""
    return following.digests_send()
