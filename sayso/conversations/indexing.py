"""What conversations gives the similar-item index: its cases and messages.

Registered in ``ConversationsConfig.ready`` (``sayso.intelligence.register_source``), so the
index reads them without knowing these models. The text of a case or a message is defined once
here, for the sources and for callers that index an item with a vector they computed
(``IndexInput(text, vector)``), whose text must hash as the source's would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.db.models import OuterRef, Subquery

from sayso.conversations.models import Case, Direction, Message, Visibility
from sayso.core.models import Organization
from sayso.intelligence import SourceItem, register_source

MAX_TEXT_CHARS = 4000  # the encoder reads 256 word pieces; no need to tokenize more


def _clip(text: str) -> str:
    return text.strip()[:MAX_TEXT_CHARS]


def case_index_text(subject: str, first_body: str | None) -> str:
    """A case as the index embeds it: its subject and its first inbound message."""
    return _clip("\n\n".join(part for part in (subject, first_body or "") if part.strip()))


def case_index_metadata(*, status: str, customer_id: int) -> dict[str, Any]:
    return {"status": status, "customer_id": customer_id}


def message_index_text(body: str) -> str:
    return _clip(body)


def message_index_metadata(*, case_id: int, channel: str, direction: str) -> dict[str, Any]:
    return {"case_id": case_id, "channel": channel, "direction": direction}


def message_indexable(message: Message) -> bool:
    """Internal notes are never indexed (``_messages``); nor is an empty text."""
    return (
        message.direction != Direction.INTERNAL
        and message.visibility != Visibility.INTERNAL
        and bool(message_index_text(message.body))
    )


def _cases(organization: Organization, object_ids: Collection[int] | None) -> Any:
    cases = Case.objects.filter(organization=organization)
    if object_ids is not None:
        cases = cases.filter(id__in=list(object_ids))
    first_inbound = (
        Message.objects.filter(case=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("sent_at", "id")
        .values("body")[:1]
    )
    return cases.annotate(first_body=Subquery(first_inbound)).order_by("id")


def case_texts_for_index(
    organization: Organization, object_ids: Collection[int] | None = None
) -> Iterator[SourceItem]:
    """Each case as its subject and first inbound message; metadata status and customer_id."""
    rows = _cases(organization, object_ids).values_list(
        "id", "subject", "first_body", "status", "customer_id"
    )
    for case_id, subject, first_body, status, customer_id in rows.iterator(chunk_size=2000):
        text = case_index_text(subject, first_body)
        if text:
            yield SourceItem(
                case_id, text, case_index_metadata(status=status, customer_id=customer_id)
            )


def case_count_for_index(organization: Organization) -> int:
    return Case.objects.filter(organization=organization).count()


def _messages(organization: Organization) -> Any:
    return (
        Message.objects.filter(organization=organization)
        .exclude(direction=Direction.INTERNAL)
        .exclude(visibility=Visibility.INTERNAL)
    )


def message_texts_for_index(
    organization: Organization, object_ids: Collection[int] | None = None
) -> Iterator[SourceItem]:
    """Each message body except internal notes; metadata case_id, channel and direction."""
    messages = _messages(organization)
    if object_ids is not None:
        messages = messages.filter(id__in=list(object_ids))
    rows = messages.order_by("id").values_list("id", "body", "case_id", "channel", "direction")
    for message_id, body, case_id, channel, direction in rows.iterator(chunk_size=2000):
        text = message_index_text(body)
        if text:
            yield SourceItem(
                message_id,
                text,
                message_index_metadata(case_id=case_id, channel=channel, direction=direction),
            )


def message_count_for_index(organization: Organization) -> int:
    return _messages(organization).count()


def sources_register() -> None:
    """Have cases and messages indexed (``ConversationsConfig.ready``)."""
    register_source("case", case_texts_for_index, count=case_count_for_index)
    register_source("message", message_texts_for_index, count=message_count_for_index)
