"""Email through the listening pipeline: threading and identity come from
``conversations.email_inbound``; the case a new email opens is then routed by the same
rules as every listened item (after its analysis, in the background)."""

from __future__ import annotations

from django.db import transaction

from sayso.conversations.email_inbound import IngestResult, email_ingest
from sayso.core.models import Organization


def email_receive(*, organization: Organization, raw: bytes) -> IngestResult:
    """Store one inbound email (idempotent on its Message-ID) and route the case it opened."""
    result = email_ingest(organization=organization, raw=raw)
    if result.created:
        from sayso.listening.tasks import route_message

        message_id = result.message.pk
        transaction.on_commit(lambda: route_message.enqueue(message_id))
    return result
