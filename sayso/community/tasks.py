"""Background work of the public voice (thin: ids in, services do the work)."""

from __future__ import annotations

from django_tasks import task

from sayso.community import following


@task()
def deliver_notices(organization_id: int, event: str) -> int:
    """community.deliver_notices: email one event's immediate notices."""
    return following.notices_deliver(organization_id=organization_id, event=event)


@task()
def send_digests() -> int:
    """community.send_digests: the daily digests that are due (periodic)."""
    return following.digests_send()
