"""Reads of the intelligence app: similar items, index status, and the texts the index embeds.

    from sayso.intelligence.index.selectors import similar

    similar(organization=org, kind="case", text="truck did not arrive", k=10)
    similar(organization=org, kind="case", object_id=case.id,
            filters={"status": "open"}, exclude=[other.id])

``similar`` returns ``SimilarItem(object_id, score, kind, metadata)``, best first; ``score`` is
the cosine similarity. Querying by ``object_id`` leaves that item out of the results and raises
``ItemNotIndexed`` when it has no vector yet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Subquery

from sayso.conversations.models import Case, Direction, Message, Visibility
from sayso.core.models import Organization
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.search import ItemNotIndexed, SimilarItem, backend_name
from sayso.intelligence.index.search import similar as _similar
from sayso.intelligence.index.sources import SourceItem
from sayso.intelligence.models import EmbeddedItem, IndexState, ItemKind

__all__ = [
    "IndexStatus",
    "ItemNotIndexed",
    "SimilarItem",
    "case_count_for_index",
    "case_texts_for_index",
    "index_status",
    "message_count_for_index",
    "message_texts_for_index",
    "similar",
    "similar_backend",
]

MAX_TEXT_CHARS = 4000  # the encoder reads 256 word pieces; no need to tokenize more


def similar(
    *,
    organization: Organization,
    kind: str,
    text: str | None = None,
    object_id: int | None = None,
    vector: Any = None,
    k: int = 10,
    filters: Mapping[str, Any] | None = None,
    exclude: Collection[int] = (),
) -> list[SimilarItem]:
    """The ``k`` items of ``kind`` most similar to a text, an indexed item, or a vector.

    ``filters`` match the metadata stored with each item (``{"status": "open"}``; a list value
    matches any of its values); ``exclude`` leaves out object ids. Only the organization's own
    items are searched.
    """
    return _similar(
        organization_id=organization.pk,
        kind=kind,
        text=text,
        object_id=object_id,
        vector=vector,
        k=k,
        filters=filters,
        exclude=exclude,
    )


def similar_backend(*, organization: Organization, kind: str) -> str:
    """ "pgvector", "usearch" (HNSW) or "exact": what answers ``similar`` for this index now."""
    return backend_name(organization_id=organization.pk, kind=kind)


@dataclass(frozen=True)
class IndexStatus:
    organization: str
    kind: str
    backend: str
    items: int
    removed: int  # emptied rows awaiting the next rebuild
    generation: int
    snapshot_generation: int | None
    snapshot_items: int | None
    snapshot_bytes: int

    @property
    def behind(self) -> int | None:
        if self.snapshot_generation is None:
            return None
        return self.generation - self.snapshot_generation


def index_status(
    *, organization: Organization, kinds: Collection[str] | None = None
) -> list[IndexStatus]:
    """One line per kind: the backend, item counts, generation, and the snapshot on disk."""
    counts: dict[tuple[str, bool], int] = {}
    for kind, empty, number in _count_rows(organization):
        counts[(kind, empty)] = number
    generations = dict(
        IndexState.objects.filter(organization=organization).values_list("kind", "generation")
    )
    pgvector = vector_pg.enabled()
    lines = []
    for kind in kinds or ItemKind.values:
        snapshot = index_embedded.status(organization.pk, kind)
        lines.append(
            IndexStatus(
                organization=organization.slug,
                kind=kind,
                backend="pgvector" if pgvector else (snapshot.backend or "none"),
                items=counts.get((kind, False), 0),
                removed=counts.get((kind, True), 0),
                generation=int(generations.get(kind, 0)),
                snapshot_generation=snapshot.snapshot_generation,
                snapshot_items=snapshot.snapshot_items,
                snapshot_bytes=snapshot.bytes_on_disk,
            )
        )
    return lines


def _count_rows(organization: Organization) -> Iterator[tuple[str, bool, int]]:
    live = EmbeddedItem.objects.live().filter(organization=organization)
    for kind, number in live.values_list("kind").annotate(n=Count("id")).order_by():
        yield kind, False, number
    empty = EmbeddedItem.objects.filter(organization=organization, vector=b"")
    for kind, number in empty.values_list("kind").annotate(n=Count("id")).order_by():
        yield kind, True, number


# Sources of texts for the index (registered in ``index_sources``).


def _clip(text: str) -> str:
    return text.strip()[:MAX_TEXT_CHARS]


# How a case and a message are read for the index: one definition, for the index sources below
# and for callers that index an item with a vector they computed (``IndexInput(text, vector)``),
# whose text must hash as the source's would.


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
