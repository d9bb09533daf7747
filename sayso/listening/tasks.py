"""Background work of the listening app: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from sayso.listening import routing, services


@task()
def poll_sources() -> int:
    """Enqueue a poll of every source that is due (run by the worker's scheduler)."""
    due = services.sources_due()
    for source_id in due:
        poll_source.enqueue(source_id)
    return len(due)


@task()
def poll_source(source_id: int) -> bool:
    """Poll one source if it is still due (a second run finds it claimed and does nothing)."""
    source = services.source_claim(source_id=source_id)
    if source is None:
        return False
    return services.source_poll(source=source).ok


@task()
def route_message(message_id: int) -> bool:
    """Apply the routing rules to the case a new email (or API message) opened."""
    return routing.message_route(message_id=message_id) is not None
