"""Reads of the similar-item index: similar items and the index status.

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

from django.db.models import Count

from sayso.core.models import Organization
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.search import ItemNotIndexed, SimilarItem, backend_name
from sayso.intelligence.index.search import similar as _similar
from sayso.intelligence.models import EmbeddedItem, IndexState, ItemKind

__all__ = [
    "IndexStatus",
    "ItemNotIndexed",
    "SimilarItem",
    "index_status",
    "similar",
    "similar_backend",
]


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
