"""Where events come from: the timeline's one writer (cases, messages, commitments), and the
rows it does not cover (an idea's status change, an incident's update), each turned into an
event by ``emit`` in the transaction that makes the change."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models.signals import post_save

from sayso.webhooks import payloads
from sayso.webhooks.events import emit, emit_many

Pending = tuple[str, dict[str, Any], datetime | None]
_RESOLVED = {"resolved", "closed"}


def _from_timeline(entry: Any) -> Pending | None:
    """The event a timeline entry tells, if any."""
    kind = entry.kind
    when = entry.occurred_at
    if kind == "case_opened" and entry.case is not None:
        return "case.opened", {"case": payloads.case_data(entry.case)}, when
    if kind in {"case_status", "case_priority", "handoff"} and entry.case is not None:
        data = {"case": payloads.case_data(entry.case), "change": kind.removeprefix("case_")}
        if kind == "case_status":
            data["previous_status"] = _status_value(entry.data.get("from", ""))
            if entry.case.status in _RESOLVED:
                return "case.resolved", data, when
        return "case.updated", data, when
    if kind == "message" and entry.message is not None:
        message = entry.message
        if message.visibility == "internal" or message.direction == "internal":
            return None  # internal notes never leave Sayso
        event_type = "message.received" if message.direction == "inbound" else "message.sent"
        return event_type, {"message": payloads.message_data(message)}, when
    if kind.startswith("commitment_") and entry.commitment is not None:
        name = kind.removeprefix("commitment_")
        if name in {"made", "kept", "breached"}:
            data = {"commitment": payloads.commitment_data(entry.commitment)}
            return f"commitment.{name}", data, when
    return None


def _status_value(label: str) -> str:
    from sayso.conversations.models import CaseStatus

    for value, text in CaseStatus.choices:
        if label in {value, text}:
            return str(value)
    return label


def timeline_recorded(entries: list[Any]) -> None:
    """The timeline writer's listener: one ``emit_many`` per organization."""
    by_organization: dict[int, list[Pending]] = defaultdict(list)
    for entry in entries:
        event = _from_timeline(entry)
        if event is not None:
            by_organization[entry.organization_id].append(event)
    for organization_id, events in by_organization.items():
        emit_many(organization=organization_id, events=events)


def _idea_status_changed(sender: Any, instance: Any, created: bool, raw: bool, **kw: Any) -> None:
    if created and not raw:
        emit(
            organization=instance.organization_id,
            event_type="idea.status_changed",
            data={"idea": payloads.idea_data(instance)},
            occurred_at=instance.created_at,
        )


def _incident_updated(sender: Any, instance: Any, created: bool, raw: bool, **kw: Any) -> None:
    if not created or raw:
        return
    incident = instance.incident
    if instance.status == "resolved" and incident.resolved_at is None:
        event_type = "incident.resolved"
    elif not incident.updates.exclude(pk=instance.pk).exists():
        event_type = "incident.opened"
    else:
        event_type = "incident.updated"
    emit(
        organization=instance.organization_id,
        event_type=event_type,
        data={"incident": payloads.incident_data(instance)},
        occurred_at=instance.created_at,
    )


def mentions_received(mentions: list[Any]) -> None:
    """What the listening pipeline heard (spam left out), in its transaction."""
    by_organization: dict[int, list[Pending]] = defaultdict(list)
    for mention in mentions:
        if not mention.is_spam:
            data = {"mention": payloads.mention_data(mention)}
            by_organization[mention.organization_id].append(
                ("mention.received", data, mention.published_at)
            )
    for organization_id, events in by_organization.items():
        emit_many(organization=organization_id, events=events)


def connect() -> None:
    from sayso.community.models import IdeaStatusChange
    from sayso.customers.services import timeline_listen
    from sayso.status.models import IncidentUpdate

    timeline_listen(timeline_recorded)
    post_save.connect(
        _idea_status_changed, sender=IdeaStatusChange, dispatch_uid="webhooks.idea_status"
    )
    post_save.connect(_incident_updated, sender=IncidentUpdate, dispatch_uid="webhooks.incident")
