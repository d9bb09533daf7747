"""Background work of the listening app: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.listening import routing, services


@sayso_task(queue="ingest", max_attempts=1, periodic=True)
def poll_sources() -> int:
    """Enqueue a poll of every source that is due (run by the worker's scheduler)."""
    due = services.sources_due()
    for source_id in due:
        poll_source.enqueue(source_id)
    return len(due)


@sayso_task(
    queue="ingest", max_attempts=3, backoff=60, organization_from=("listening.Source", "source_id")
)
def poll_source(source_id: int) -> bool:
    """Poll one source if it is still due (a second run finds it claimed and does nothing)."""
    source = services.source_claim(source_id=source_id)
    if source is None:
        return False
    return services.source_poll(source=source).ok


@sayso_task(
    queue="ingest",
    max_attempts=5,
    backoff=10,
    organization_from=("conversations.Message", "message_id"),
)
def route_message(message_id: int) -> bool:
    """Apply the routing rules to the case a new email (or API message) opened."""
    return routing.message_route(message_id=message_id) is not None
