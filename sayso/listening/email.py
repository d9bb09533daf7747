"""Email through the listening pipeline: threading and identity come from
``conversations.email_inbound``; a new email that replies to nothing joins the sender's open
case about the same problem (by meaning, as a listened post does; the case owner is alerted);
the case a new email opens is routed by the same rules as every listened item (after its
analysis, in the background)."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from sayso.conversations.automated_mail import automated_mail_recognise
from sayso.conversations.email_inbound import (
    IngestResult,
    email_ingest,
    parse_email,
    strip_quoted_reply,
)
from sayso.conversations.models import Case
from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.intelligence.analysis.pipeline import MAX_EMBED_CHARS
from sayso.listening.pipeline import open_case_for, same_problem_alert


def _new_thread_vector(raw: bytes) -> np.ndarray | None:
    """The embedding of an email that starts a thread (it replies to nothing), computed before
    the storing transaction begins; None for replies (they thread by their headers) and for
    mail that cannot be read (``email_ingest`` says why)."""
    try:
        parsed = parse_email(raw)
    except ValidationError:
        return None
    if automated_mail_recognise(raw) is not None:
        return None  # automated mail joins no case as the same problem
    if parsed.in_reply_to or parsed.references:
        return None
    text = f"{parsed.subject}\n\n{strip_quoted_reply(parsed.text)}".strip()
    if not text:
        return None
    from sayso.intelligence.embeddings import embed

    return np.asarray(embed([text[:MAX_EMBED_CHARS]])[0], dtype=np.float32)


def email_receive(*, organization: Organization, raw: bytes) -> IngestResult:
    """Store one inbound email (idempotent on its Message-ID), join it to the sender's open
    case about the same problem or open one, and route the case it opened."""
    vector = _new_thread_vector(raw)

    def match(customer: Customer, text: str) -> tuple[Case | None, float]:
        if vector is None:
            return None, 0.0
        return open_case_for(organization=organization, customer=customer, vector=vector)

    result = email_ingest(organization=organization, raw=raw, match_case=match)
    message = result.message
    if message is None:  # automated mail (a bounce, an auto-reply): no case to route
        return result
    if result.created and (message.headers.get("listening") or {}).get("same_problem"):
        same_problem_alert(
            case=message.case, channel_label="email", dedupe_key=f"message:{message.pk}"
        )
    elif result.created:
        from sayso.listening.tasks import route_message

        message_id = message.pk
        transaction.on_commit(lambda: route_message.enqueue(message_id))
    return result
