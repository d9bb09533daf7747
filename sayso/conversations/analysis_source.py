"""How message analysis reads the messages conversations keeps, and how staff's "spam" / "not
spam" on a message reaches the spam filter.

Registered in ``ConversationsConfig.ready`` (``messages_source_register``), so that
``sayso.intelligence.analysis.store`` analyzes stored messages without knowing these models:
a message is given as a ``StoredMessage`` (its text, author, time and how the similar-item index
holds it).
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from sayso.conversations.indexing import (
    message_index_metadata,
    message_index_text,
    message_indexable,
)
from sayso.conversations.models import Direction, Message
from sayso.core.models import Organization
from sayso.customers.models import IdentityKind
from sayso.intelligence import Item, SourceItem
from sayso.intelligence.analysis.spam_feedback import DecidedItem, SpamKind, spam_kind_register
from sayso.intelligence.analysis.store import StoredMessage, messages_source_register
from sayso.intelligence.models import DecidedKind, MessageAnalysis


def _stored(message: Message) -> StoredMessage:
    identity = message.author_identity
    author_url = (
        identity.value if identity is not None and identity.kind == IdentityKind.URL else ""
    )
    indexed = None
    if message_indexable(message):
        indexed = SourceItem(
            message.pk,
            message_index_text(message.body),
            message_index_metadata(
                case_id=message.case_id, channel=message.channel, direction=message.direction
            ),
        )
    return StoredMessage(
        pk=message.pk,
        organization=message.organization,
        sent_at=message.sent_at,
        customer_id=message.customer_id,
        item=Item(
            text=message.body,
            author=message.customer.display_name if message.customer_id else "",
            author_url=author_url,
            created_at=message.sent_at,
            author_id=str(message.customer_id or ""),
        ),
        indexed=indexed,
    )


def message_for_analysis(message_id: int) -> StoredMessage | None:
    message = (
        Message.objects.select_related("customer", "author_identity", "organization")
        .filter(pk=message_id)
        .first()
    )
    return _stored(message) if message is not None else None


def messages_before(message: StoredMessage, since: datetime, limit: int) -> list[StoredMessage]:
    """The organization's inbound messages sent from ``since`` up to ``message`` (those sent
    at the same moment with a smaller id included, it left out), the latest ``limit``, oldest
    first."""
    earlier = (
        Message.objects.filter(
            organization=message.organization,
            direction=Direction.INBOUND,
            sent_at__gte=since,
        )
        .exclude(pk=message.pk)
        .filter(sent_at__lte=message.sent_at)
        .exclude(sent_at=message.sent_at, pk__gt=message.pk)
        .select_related("customer", "author_identity", "organization")
        .order_by("-sent_at", "-pk")[:limit]
    )
    return [_stored(m) for m in reversed(earlier)]


def message_spam_mark(organization: Organization, object_id: int, spam: bool) -> DecidedItem | None:
    """Staff say a message of the inbox is spam or not: its stored analysis follows; returns
    what the organization's spam filter learns from it, None when there is no such message."""
    message = (
        Message.objects.filter(organization=organization, pk=object_id)
        .select_related("customer", "case")
        .first()
    )
    if message is None:
        return None
    MessageAnalysis.objects.filter(message=message).update(is_spam=spam, updated_at=timezone.now())
    url = reverse("case-detail", kwargs={"org": organization.slug, "number": message.case.number})
    return DecidedItem(
        DecidedKind.MESSAGE,
        message.pk,
        message.body,
        message.customer.display_name if message.customer_id else "",
        f"{url}#message-{message.pk}",
    )


def source_register() -> None:
    """Have stored messages analyzed, and marked as spam or not by staff
    (``ConversationsConfig.ready``)."""
    messages_source_register(get=message_for_analysis, earlier=messages_before)
    spam_kind_register(SpamKind(kind=DecidedKind.MESSAGE, mark=message_spam_mark))
