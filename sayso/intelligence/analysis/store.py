"""The analysis of stored messages: the one service that writes ``MessageAnalysis``. (The rest
of this package needs no database.)

Messages are kept by another app (conversations), which registers how analysis reads them
(``messages_source_register``, from its ``AppConfig.ready``): one message by id, and a
message's earlier inbound messages. Analysis never imports their models.

Duplicates of a stored message are looked for among the organization's earlier inbound
messages of the last ``HISTORY_DAYS`` days (at most ``HISTORY_LIMIT``): the same customer's
text again (exact, near, or the same meaning within ``DuplicateIndex.meaning_window``), or a
long enough text copied from another customer (spam).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.core.models import Organization
from sayso.intelligence.analysis.duplicates import DuplicateIndex, author_key
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import MAX_EMBED_CHARS, Item, analyze
from sayso.intelligence.analysis.spam_filter import analysis_screen
from sayso.intelligence.embeddings import Encoding
from sayso.intelligence.index.services import IndexInput, embedder_name, items_index, text_hash
from sayso.intelligence.index.sources import SourceItem
from sayso.intelligence.models import EmbeddedItem, ItemKind, MessageAnalysis

HISTORY_DAYS = 30
HISTORY_LIMIT = 500
# The same customer's recent messages are embedded with the new one to compare meanings.
SAME_AUTHOR_LIMIT = 20


@dataclass(frozen=True)
class StoredMessage:
    """A stored message as analysis reads it, given by the app that keeps messages."""

    pk: int
    organization: Organization
    sent_at: datetime
    customer_id: int | None
    item: Item  # its text, author (name, URL, customer id) and time
    # How the similar-item index holds it (the message source's text and metadata); None when
    # it is not indexed (an internal note, an empty text).
    indexed: SourceItem | None


# How analysis reads stored messages: ``get(message_id)``, and ``earlier(message, since,
# limit)``, the organization's inbound messages sent from ``since`` up to the message (not it),
# the latest ``limit`` of them, oldest first.
MessageGet = Callable[[int], StoredMessage | None]
MessagesEarlier = Callable[[StoredMessage, datetime, int], list[StoredMessage]]
_messages: tuple[MessageGet, MessagesEarlier] | None = None


def messages_source_register(*, get: MessageGet, earlier: MessagesEarlier) -> None:
    """Tell analysis how to read stored messages (the conversations app, in its ``ready``)."""
    global _messages
    _messages = (get, earlier)


def _source() -> tuple[MessageGet, MessagesEarlier]:
    if _messages is None:
        raise RuntimeError("No app registered its messages (messages_source_register).")
    return _messages


# The competitor names of an organization, from whoever keeps them (the listening app registers
# its terms here in its ``ready``): analysis marks a message naming one as a competitor mention.
_competitors: Callable[[int], Sequence[str]] | None = None


def competitors_provider(provider: Callable[[int], Sequence[str]] | None) -> None:
    global _competitors
    _competitors = provider


def message_get(*, organization: Organization, pk: int) -> StoredMessage | None:
    """The organization's stored message ``pk``, as analysis reads it."""
    message = _source()[0](pk)
    return message if message is not None and message.organization.pk == organization.pk else None


def _encoded(messages: list[StoredMessage]) -> tuple[np.ndarray, np.ndarray]:
    """The sentence vectors of these messages, and the features of the last one (what the
    heads read). Vectors the similar-item index holds for a message's current text are read
    from it, only the others are computed (so a message is not embedded once for the index
    and again for its analysis, nor a customer's earlier messages every time); features come
    with a computed vector, or alone (half the encoder) when the vector was stored."""
    from sayso.intelligence.embeddings import encode, features

    embedder = embedder_name()
    wanted = {
        m.pk: text_hash(m.indexed.text, embedder=embedder)
        for m in messages
        if m.indexed is not None
    }
    stored: dict[int, np.ndarray] = {}
    if wanted:
        rows = (
            EmbeddedItem.objects.live()
            .filter(
                organization=messages[0].organization,
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
        encoded = encode([m.item.text[:MAX_EMBED_CHARS] for m in missing])
        assert encoded.vectors is not None and encoded.features is not None
        for m, vector in zip(missing, encoded.vectors, strict=True):
            stored[m.pk] = np.asarray(vector, dtype=np.float32)
        if missing[-1] is messages[-1]:
            last = encoded.features[-1]
    if last is None:
        last = features([messages[-1].item.text[:MAX_EMBED_CHARS]])[0]
    return np.stack([stored[m.pk] for m in messages]), np.asarray(last, dtype=np.float32)


def _index_with_vector(message: StoredMessage, vector: np.ndarray) -> None:
    """Store the message's vector in the similar-item index now (the index task that follows
    then finds it current and embeds nothing)."""
    if message.indexed is None:
        return
    items_index(
        organization=message.organization,
        kind=ItemKind.MESSAGE,
        items=[
            IndexInput(
                object_id=message.pk,
                text=message.indexed.text,
                vector=vector,
                metadata=message.indexed.metadata,
            )
        ],
    )


def message_analyze(*, message: Any, force: bool = False) -> MessageAnalysis:
    """Analyze the stored message ``message`` (a message, or anything with its ``pk``) and
    store the result, unless it is already stored for the current model version. Safe to run
    twice, also at the same time."""
    version = model_version()
    existing = MessageAnalysis.objects.filter(message_id=message.pk).first()
    if existing is not None and existing.model_version == version and not force:
        return existing
    get, earlier_of = _source()
    stored = get(message.pk)
    if stored is None:
        raise LookupError(f"No stored message {message.pk}.")
    earlier = earlier_of(stored, stored.sent_at - timedelta(days=HISTORY_DAYS), HISTORY_LIMIT)
    index = DuplicateIndex(capacity=HISTORY_LIMIT + 1)
    # Only the same customer's messages inside the meaning window can repeat it in other
    # words: only those are embedded.
    since = stored.sent_at - index.meaning_window
    same_author = [
        m for m in earlier if m.customer_id == stored.customer_id and m.sent_at >= since
    ][-SAME_AUTHOR_LIMIT:]
    vectors, message_features = _encoded([*same_author, stored])
    by_id = {m.pk: vectors[i] for i, m in enumerate(same_author)}
    for m in earlier:
        item = m.item
        index.add(
            m.pk,
            index.probe(
                item.text,
                author=author_key(item.author, item.author_url, item.author_id),
                created_at=item.created_at,
                vector=by_id.get(m.pk),
            ),
        )
    organization_id = stored.organization.pk
    result = analyze(
        [stored.item],
        history=index,
        keys=[stored.pk],
        noun="message",
        encoding=Encoding(vectors[-1:], message_features[None, :]),
        competitors=_competitors(organization_id) if _competitors else (),
    )[0]
    # What the organization's moderators taught its spam filter.
    result = analysis_screen(
        organization_id=organization_id,
        result=result,
        text=stored.item.text,
        author=stored.item.author,
        vector=vectors[-1],
        item=("message", stored.pk),
    )
    values: dict[str, Any] = {
        "organization_id": organization_id,
        **result.labels(),
        "duplicate_of_id": result.duplicate_of,
        "duplicate_kind": result.duplicate_kind or "",
        "reasons": result.reasons,
        "model_version": version,
        "analyzed_at": timezone.now(),
    }
    _index_with_vector(stored, vectors[-1])
    try:
        with transaction.atomic():
            analysis, _ = MessageAnalysis.objects.update_or_create(
                message_id=stored.pk, defaults=values
            )
    except IntegrityError:
        # Another worker stored it first: theirs is as good as ours.
        analysis = MessageAnalysis.objects.get(message_id=stored.pk)
    return analysis


def message_analyze_by_id(*, message_id: int) -> bool:
    """For the task: True when an analysis was written now, False when it was already current
    or the message is gone."""
    existing = MessageAnalysis.objects.filter(message_id=message_id).only("model_version").first()
    if existing is not None and existing.model_version == model_version():
        return False
    stored = _source()[0](message_id)
    if stored is None:
        return False
    message_analyze(message=stored)
    return True
