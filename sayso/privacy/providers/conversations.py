"""Cases, the customer's messages (internal notes never), commitments, and what Sayso's
analysis read in the customer's messages."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db.models import Q

from sayso.conversations.models import (
    AutomatedMail,
    Case,
    Commitment,
    Direction,
    Message,
    Visibility,
)
from sayso.customers.models import Customer
from sayso.intelligence.models import INTENT_LABELS, DecidedKind, MessageAnalysis, SpamDecision
from sayso.listening.models import Mention
from sayso.notifications.models import OutgoingMail
from sayso.privacy.providers._fields import when
from sayso.privacy.registry import ErasureContext, provider_register

# Lines a mail client quotes from the message answered ("> ..."), and its "On …, X wrote:".
_QUOTED = re.compile(r"^(>.*|On .{0,200}wrote:\s*)$", re.MULTILINE)


def customer_messages(customer: Customer) -> Any:
    """The messages the customer may see: everything on their cases but internal notes."""
    return (
        Message.objects.filter(organization_id=customer.organization_id, customer=customer)
        .exclude(visibility=Visibility.INTERNAL)
        .exclude(direction=Direction.INTERNAL)
        .select_related("case")
        .order_by("sent_at", "id")
    )


def collect_cases(customer: Customer) -> list[dict[str, Any]]:
    cases = Case.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).order_by("created_at", "id")
    messages: dict[int, list[dict[str, Any]]] = {}
    for message in customer_messages(customer):
        messages.setdefault(message.case_id, []).append(
            {
                "id": message.pk,
                "direction": message.direction,
                "channel": message.channel,
                "visibility": message.visibility,
                "subject": message.subject,
                "body": message.body,
                "external_id": message.external_id,
                "sent_at": when(message.sent_at),
            }
        )
    return [
        {
            "number": case.number,
            "subject": case.subject,
            "status": case.status,
            "channel": case.channel,
            "opened_at": when(case.created_at),
            "resolved_at": when(case.resolved_at),
            "messages": messages.get(case.pk, []),
        }
        for case in cases
    ]


def collect_commitments(customer: Customer) -> list[dict[str, Any]]:
    rows = Commitment.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).select_related("case")
    return [
        {
            "case_number": commitment.case.number,
            "description": commitment.description,
            "due_at": when(commitment.due_at),
            "status": commitment.status,
            "closed_at": when(commitment.closed_at),
        }
        for commitment in rows.order_by("due_at", "id")
    ]


def collect_analyses(customer: Customer) -> list[dict[str, Any]]:
    rows = (
        MessageAnalysis.objects.filter(
            organization_id=customer.organization_id,
            message__customer=customer,
            message__direction=Direction.INBOUND,
        )
        .exclude(message__visibility=Visibility.INTERNAL)
        .select_related("message", "message__case")
    )
    return [
        {
            "message_id": analysis.message_id,
            "case_number": analysis.message.case.number,
            "sentiment": analysis.sentiment,
            "sentiment_score": round(analysis.sentiment_score, 3),
            "intents": [INTENT_LABELS.get(i, i) for i in analysis.intents],
            "spam": analysis.is_spam,
            "spam_score": round(analysis.spam, 3),
            "reasons": analysis.reasons,
            "model_version": analysis.model_version,
            "analyzed_at": when(analysis.analyzed_at),
        }
        for analysis in rows.order_by("message__sent_at", "id")
    ]


def _erased_external_id(value: str) -> str:
    """A message's channel id after erasure: a digest, so that the same message arriving again
    is still recognised (and not stored twice) without its id, which may hold an address."""
    if not value:
        return ""
    return "erased:" + hashlib.sha256(value.encode()).hexdigest()[:40]


def erase_conversations(context: ErasureContext) -> dict[str, int]:
    ids = context.customer_ids
    marker = context.marker
    own = Message.objects.filter(customer_id__in=ids, direction=Direction.INBOUND)
    own_ids = list(own.values_list("pk", flat=True))
    analyses, _ = MessageAnalysis.objects.filter(message__customer_id__in=ids).delete()
    decisions, _ = SpamDecision.objects.filter(
        kind=DecidedKind.MESSAGE, object_id__in=own_ids
    ).delete()
    for message in own.only("pk", "external_id"):
        Message.objects.filter(pk=message.pk).update(
            subject=marker,
            body=marker,
            headers={},
            external_id=_erased_external_id(message.external_id),
        )
    # Staff replies are the organization's words and stay, without what they quote of the
    # customer's messages; names and addresses in them go with the generic scrub.
    replies = 0
    for message in Message.objects.filter(customer_id__in=ids).exclude(direction=Direction.INBOUND):
        body = _QUOTED.sub("> " + marker, message.body)
        if body != message.body or message.headers:
            Message.objects.filter(pk=message.pk).update(body=body, headers={})
            replies += 1
    cases = Case.objects.filter(customer_id__in=ids).update(subject=marker)
    commitments = Commitment.objects.filter(customer_id__in=ids).update(description=marker)
    mail, _ = OutgoingMail.objects.filter(
        Q(recipient__in=context.emails) | Q(case__customer_id__in=ids)
    ).delete()
    automated, _ = AutomatedMail.objects.filter(
        Q(case__customer_id__in=ids) | Q(sender__in=context.emails)
    ).delete()
    mentions = Mention.objects.filter(customer_id__in=ids).update(
        title=marker, text=marker, author_name="", author_handle="", url=""
    )
    return {
        "messages_erased": len(own_ids),
        "staff_replies_unquoted": replies,
        "cases": cases,
        "commitments": commitments,
        "analyses": analyses,
        "spam_decisions": decisions,
        "outgoing_mail": mail,
        "automated_mail": automated,
        "mentions": mentions,
    }


provider_register(
    "cases",
    collect=collect_cases,
    erase=erase_conversations,
    title="Your cases and messages",
)
provider_register("commitments", collect=collect_commitments, title="What we promised you")
provider_register(
    "analyses", collect=collect_analyses, title="What Sayso's analysis read in your messages"
)
