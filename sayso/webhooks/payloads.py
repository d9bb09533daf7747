"""The ``data`` of each event type: stable JSON of ids, numbers and the fields the
organization's own staff see (docs/webhooks.md documents each). Internal notes never leave:
no payload holds one, and a note makes no event at all."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _url(path: str) -> str:
    return str(settings.SAYSO_BASE_URL) + path


def case_data(case: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "customer_id": case.customer_id,
        "assignee_id": case.assignee_id,
        "team_id": case.team_id,
        "opened_at": timestamp(case.created_at),
        "resolved_at": timestamp(case.resolved_at),
        "last_message_at": timestamp(case.last_message_at),
    }


def message_data(message: Any) -> dict[str, Any]:
    return {
        "id": message.pk,
        "case_id": message.case_id,
        "case_number": message.case.number,
        "customer_id": message.customer_id,
        "direction": message.direction,
        "channel": message.channel,
        "visibility": message.visibility,
        "subject": message.subject,
        "body": message.body,
        "author_user_id": message.author_user_id,
        "sent_at": timestamp(message.sent_at),
    }


def commitment_data(commitment: Any) -> dict[str, Any]:
    return {
        "id": commitment.pk,
        "case_id": commitment.case_id,
        "case_number": commitment.case.number,
        "customer_id": commitment.customer_id,
        "description": commitment.description,
        "owner_id": commitment.owner_id,
        "status": commitment.status,
        "due_at": timestamp(commitment.due_at),
        "made_at": timestamp(commitment.created_at),
        "breached_at": timestamp(commitment.breached_at),
        "closed_at": timestamp(commitment.closed_at),
    }


def idea_data(change: Any) -> dict[str, Any]:
    idea = change.idea
    return {
        "id": idea.pk,
        "number": idea.number,
        "title": idea.title,
        "status": change.to_status,
        "previous_status": change.from_status,
        "reason": change.reason,
        "vote_count": idea.vote_count,
        "url": _url(
            reverse("idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number})
        ),
        "changed_at": timestamp(change.created_at),
    }


def incident_data(update: Any) -> dict[str, Any]:
    """The incident as the update leaves it (the update is written before the incident's own
    row is saved, so its status comes from the update)."""
    incident = update.incident
    resolved = update.status == "resolved"
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": update.status,
        "impact": incident.impact,
        "started_at": timestamp(incident.started_at),
        "resolved_at": timestamp((incident.resolved_at or update.created_at) if resolved else None),
        "url": _url(
            reverse("incident", kwargs={"org": incident.organization.slug, "pk": incident.pk})
        ),
        "update": {
            "id": update.pk,
            "status": update.status,
            "body": update.body,
            "created_at": timestamp(update.created_at),
        },
    }


# An email address anywhere in a value (a social handle starts with "@" and is kept).
_EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _no_address(value: str) -> str:
    """A mention's author as shown to an endpoint: "" when it holds an email address (what a
    visitor typed into the widget, or the sender of listened mail)."""
    return "" if _EMAIL.search(value or "") else value


def mention_data(mention: Any) -> dict[str, Any]:
    return {
        "id": mention.pk,
        "source_id": mention.source_id,
        "external_id": mention.external_id,
        "url": mention.url,
        "title": mention.title,
        "text": mention.text,
        "author_name": _no_address(mention.author_name),
        "author_handle": _no_address(mention.author_handle),
        "published_at": timestamp(mention.published_at),
        "matched_terms": list(mention.matched_terms or []),
        "competitors": list(mention.competitors or []),
        "sentiment": mention.sentiment,
        "intents": list(mention.intents or []),
        "outcome": mention.outcome,
        "customer_id": mention.customer_id,
        "case_id": mention.case_id,
        "message_id": mention.message_id,
    }
