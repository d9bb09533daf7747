"""The event types webhooks carry, and ``emit``: the one way an event is written.

Other apps add their own types at start-up (their ``AppConfig.ready``)::

    from sayso.webhooks.events import event_type_register, emit
    event_type_register("consent.changed", "A customer gave or withdrew consent.")
    ...
    emit(organization=org, event_type="consent.changed", data={"customer_id": 7, ...})

``emit`` runs inside the caller's transaction: the event and one delivery per subscribed
endpoint are written with the change they tell (rolled back with it), and the deliveries are
queued once it commits. ``data`` must be JSON (ids, numbers, public fields); it is sent as the
``data`` of the Standard Webhooks envelope ``{"type", "timestamp", "data"}``.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend

from sayso.core.models import Organization
from sayso.core.task_engine import task_by_path

logger = logging.getLogger("sayso.webhooks")


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


_TYPES: dict[str, EventType] = {}
# A test event ("Send test event"): sent to one endpoint whatever it subscribes to.
TEST = "webhook.test"


def event_type_register(name: str, description: str) -> EventType:
    """Add an event type (idempotent: registering the same name again replaces its
    description)."""
    if not name or len(name) > 60 or "." not in name or name != name.strip().lower():
        raise ValueError(f"An event type is a lower-case dotted name: {name!r}")
    event_type = EventType(name, description)
    _TYPES[name] = event_type
    return event_type


def event_types() -> list[EventType]:
    """The registered event types, by name."""
    return [_TYPES[name] for name in sorted(_TYPES)]


def event_type_known(name: str) -> bool:
    return name in _TYPES


for _name, _description in [
    ("case.opened", "A case was opened (from any channel)."),
    ("case.updated", "A case's status (other than resolved), priority or owner changed."),
    ("case.resolved", "A case was resolved or closed."),
    ("message.received", "A customer's message was stored on a case."),
    ("message.sent", "Staff replied to a customer (internal notes are never sent)."),
    ("commitment.made", "A promise was made to a customer."),
    ("commitment.breached", "A promise passed its due time unkept."),
    ("commitment.kept", "A promise was kept."),
    ("idea.status_changed", "An idea's status changed (with the public reason)."),
    ("incident.opened", "A status-page incident was opened."),
    ("incident.updated", "An incident got an update that does not resolve it."),
    ("incident.resolved", "An incident was resolved."),
    ("mention.received", "Listening heard a mention of the organization (spam excluded)."),
]:
    event_type_register(_name, _description)


def new_webhook_id() -> str:
    """A ``webhook-id``: ``msg_`` and 24 random characters, the same on every retry."""
    return "msg_" + secrets.token_urlsafe(18)


def envelope(*, event_type: str, data: dict[str, Any], occurred_at: datetime | None) -> str:
    """The body sent: compact JSON, keys in the order written (signed byte for byte)."""
    when = (occurred_at or timezone.now()).astimezone(UTC)
    return json.dumps(
        {
            "type": event_type,
            "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def emit(
    *,
    organization: Organization | int,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime | None = None,
) -> int:
    """Write the event for every enabled endpoint of the organization subscribed to
    ``event_type``, in the caller's transaction; returns how many deliveries were made (0:
    nobody listens, and nothing is written)."""
    return emit_many(organization=organization, events=[(event_type, data, occurred_at)])


def emit_many(
    *,
    organization: Organization | int,
    events: list[tuple[str, dict[str, Any], datetime | None]],
) -> int:
    """``emit`` for several events of one organization: one query for its endpoints."""
    from sayso.webhooks.models import Delivery, Endpoint, Event

    if not events:
        return 0
    for event_type, _, _ in events:
        if event_type not in _TYPES:
            raise ValueError(f"Unknown webhook event type {event_type!r}: register it first.")
    organization_id = organization if isinstance(organization, int) else organization.pk
    endpoints = list(Endpoint.objects.filter(organization_id=organization_id, enabled=True))
    if not endpoints:
        return 0
    now = timezone.now()
    rows: list[tuple[Event, list[Endpoint]]] = []
    for event_type, data, occurred_at in events:
        receivers = [endpoint for endpoint in endpoints if endpoint.subscribes(event_type)]
        if receivers:
            event = Event(
                organization_id=organization_id,
                webhook_id=new_webhook_id(),
                event_type=event_type,
                payload=envelope(event_type=event_type, data=data, occurred_at=occurred_at),
            )
            rows.append((event, receivers))
    if not rows:
        return 0
    with transaction.atomic():
        Event.objects.bulk_create([event for event, _ in rows])
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    organization_id=organization_id,
                    endpoint=endpoint,
                    event=event,
                    next_attempt_at=now,
                )
                for event, receivers in rows
                for endpoint in receivers
            ]
        )
    deliveries_queue([delivery.pk for delivery in deliveries])
    return len(deliveries)


def deliveries_queue(ids: list[int]) -> None:
    """Queue a delivery task for each delivery once the transaction commits."""
    if ids:
        transaction.on_commit(lambda: queue_deliveries(ids))


# The task that makes one delivery's next attempt (it calls ``services.delivery_attempt``):
# enqueued by name, as services never import their app's tasks (docs/architecture.md).
DELIVER_TASK = "sayso.webhooks.tasks.deliver"


def queue_deliveries(ids: list[int], *, run_after: datetime | None = None) -> None:
    """Enqueue ``deliver`` for each delivery, ``run_after`` a time when the engine can wait
    (without that, the periodic ``deliver_due`` takes them when they fall due)."""
    deliver = task_by_path(DELIVER_TASK)
    task = deliver
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return
        task = deliver.using(run_after=run_after)
    for delivery_id in ids:
        try:
            task.enqueue(delivery_id)
        except Exception:  # the row is kept: deliver_due queues it again
            logger.exception("could not queue webhook delivery %s", delivery_id)
