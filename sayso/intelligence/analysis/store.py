"""The analysis of stored messages: the one service that writes ``MessageAnalysis`` and the
selectors that read it. (The rest of this package needs no database.)

Duplicates of a stored message are looked for among the organization's earlier inbound
messages of the last ``HISTORY_DAYS`` days (at most ``HISTORY_LIMIT``): the same customer's
text again (exact, near, or the same meaning within ``DuplicateIndex.meaning_window``), or a
long enough text copied from another customer (spam).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.conversations.indexing import (
    message_index_metadata,
    message_index_text,
    message_indexable,
)
from sayso.conversations.models import Direction, Message
from sayso.core.models import Organization
from sayso.customers.models import IdentityKind
from sayso.intelligence.analysis.duplicates import DuplicateIndex, author_key
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import MAX_EMBED_CHARS, Item, analyze
from sayso.intelligence.analysis.spam_feedback import analysis_screen
from sayso.intelligence.embeddings import Encoding
from sayso.intelligence.index.services import IndexInput, embedder_name, items_index, text_hash
from sayso.intelligence.models import EmbeddedItem, ItemKind, MessageAnalysis

HISTORY_DAYS = 30
HISTORY_LIMIT = 500
# The same customer's recent messages are embedded with the new one to compare meanings.
SAME_AUTHOR_LIMIT = 20


# The competitor names of an organization, from whoever keeps them (the listening app registers
# its terms here in its ``ready``): analysis marks a message naming one as a competitor mention.
_competitors: Callable[[int], Sequence[str]] | None = None


def competitors_provider(provider: Callable[[int], Sequence[str]] | None) -> None:
    global _competitors
    _competitors = provider


def message_get(*, organization: Organization, pk: int) -> Message | None:
    return Message.objects.filter(organization=organization, pk=pk).first()


def message_analysis_get(*, message: Message) -> MessageAnalysis | None:
    return MessageAnalysis.objects.filter(message=message).first()


def _item(message: Message) -> Item:
    author_url = ""
    identity = message.author_identity
    if identity is not None and identity.kind == IdentityKind.URL:
        author_url = identity.value
    return Item(
        text=message.body,
        author=message.customer.display_name if message.customer_id else "",
        author_url=author_url,
        created_at=message.sent_at,
        author_id=str(message.customer_id or ""),
    )


def _history(message: Message) -> list[Message]:
    earlier = (
        Message.objects.filter(
            organization_id=message.organization_id,
            direction=Direction.INBOUND,
            sent_at__gte=message.sent_at - timedelta(days=HISTORY_DAYS),
        )
        .exclude(pk=message.pk)
        .filter(sent_at__lte=message.sent_at)
        .exclude(sent_at=message.sent_at, pk__gt=message.pk)
        .select_related("customer", "author_identity")
        .order_by("-sent_at", "-pk")[:HISTORY_LIMIT]
    )
    return list(reversed(earlier))


def _encoded(messages: list[Message]) -> tuple[np.ndarray, np.ndarray]:
    """The sentence vectors of these messages, and the features of the last one (what the
    heads read). Vectors the similar-item index holds for a message's current text are read
    from it, only the others are computed (so a message is not embedded once for the index
    and again for its analysis, nor a customer's earlier messages every time); features come
    with a computed vector, or alone (half the encoder) when the vector was stored."""
    from sayso.intelligence.embeddings import encode, features

    embedder = embedder_name()
    wanted = {m.pk: text_hash(message_index_text(m.body), embedder=embedder) for m in messages}
    stored: dict[int, np.ndarray] = {}
    if messages:
        rows = (
            EmbeddedItem.objects.live()
            .filter(
                organization_id=messages[0].organization_id,
                kind=ItemKind.MESSAGE,
                object_id__in=list(wanted),
            )
            .values_list("object_id", "text_hash", "vector")
        )
        for object_id, digest, raw in rows:
            if wanted.get(int(object_id)) == digest:
                stored[int(object_id)] = np.frombuffer(bytes(raw), dtype=np.float32)
    missing = [m for m in messages if m.pk not in stored]
    last: np.ndarray | None = None
    if missing:
        encoded = encode([m.body[:MAX_EMBED_CHARS] for m in missing])
        assert encoded.vectors is not None and encoded.features is not None
        for m, vector in zip(missing, encoded.vectors, strict=True):
            stored[m.pk] = np.asarray(vector, dtype=np.float32)
        if missing[-1] is messages[-1]:
            last = encoded.features[-1]
    if last is None:
        last = features([messages[-1].body[:MAX_EMBED_CHARS]])[0]
    return np.stack([stored[m.pk] for m in messages]), np.asarray(last, dtype=np.float32)


def _index_with_vector(message: Message, vector: np.ndarray) -> None:
    """Store the message's vector in the similar-item index now (the index task that follows
    then finds it current and embeds nothing)."""
    if not message_indexable(message):
        return
    items_index(
        organization=message.organization,
        kind=ItemKind.MESSAGE,
        items=[
            IndexInput(
                object_id=message.pk,
                text=message_index_text(message.body),
                vector=vector,
                metadata=message_index_metadata(
                    case_id=message.case_id, channel=message.channel, direction=message.direction
                ),
            )
        ],
    )


def message_analyze(*, message: Message, force: bool = False) -> MessageAnalysis:
    """Analyze ``message`` and store the result, unless it is already stored for the current
    model version. Safe to run twice, also at the same time."""
    version = model_version()
    existing = MessageAnalysis.objects.filter(message=message).first()
    if existing is not None and existing.model_version == version and not force:
        return existing
    message = Message.objects.select_related("customer", "author_identity", "organization").get(
        pk=message.pk
    )
    earlier = _history(message)
    index = DuplicateIndex(capacity=HISTORY_LIMIT + 1)
    # Only the same customer's messages inside the meaning window can repeat it in other
    # words: only those are embedded.
    since = message.sent_at - index.meaning_window
    same_author = [
        m for m in earlier if m.customer_id == message.customer_id and m.sent_at >= since
    ][-SAME_AUTHOR_LIMIT:]
    vectors, message_features = _encoded([*same_author, message])
    by_id = {m.pk: vectors[i] for i, m in enumerate(same_author)}
    for m in earlier:
        item = _item(m)
        index.add(
            m.pk,
            index.probe(
                item.text,
                author=author_key(item.author, item.author_url, item.author_id),
                created_at=item.created_at,
                vector=by_id.get(m.pk),
            ),
        )
    result = analyze(
        [_item(message)],
        history=index,
        keys=[message.pk],
        noun="message",
        encoding=Encoding(vectors[-1:], message_features[None, :]),
        competitors=_competitors(message.organization_id) if _competitors else (),
    )[0]
    # What the organization's moderators taught its spam filter.
    result = analysis_screen(
        organization_id=message.organization_id,
        result=result,
        text=message.body,
        author=message.customer.display_name if message.customer_id else "",
        vector=vectors[-1],
        item=("message", message.pk),
    )
    values: dict[str, Any] = {
        "organization_id": message.organization_id,
        **result.labels(),
        "duplicate_of_id": result.duplicate_of,
        "duplicate_kind": result.duplicate_kind or "",
        "reasons": result.reasons,
        "model_version": version,
        "analyzed_at": timezone.now(),
    }
    _index_with_vector(message, vectors[-1])
    try:
        with transaction.atomic():
            analysis, _ = MessageAnalysis.objects.update_or_create(message=message, defaults=values)
    except IntegrityError:
        # Another worker stored it first: theirs is as good as ours.
        analysis = MessageAnalysis.objects.get(message=message)
    return analysis


def message_analyze_by_id(*, message_id: int) -> bool:
    """For the task: True when an analysis was written now, False when it was already current
    or the message is gone."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return False
    existing = MessageAnalysis.objects.filter(message=message).only("model_version").first()
    if existing is not None and existing.model_version == model_version():
        return False
    message_analyze(message=message)
    return True
