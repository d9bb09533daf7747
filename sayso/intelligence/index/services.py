"""Writes of the similar-item index: add/update, remove, persist, rebuild.

Every write goes to ``EmbeddedItem`` (the storage of record) in one transaction that also bumps
the (organization, kind) generation; on PostgreSQL with pgvector the ``embedding`` column is
set in the same transaction. The embedded index of each process catches up from those rows on
its next query (see ``index_embedded``), so the web server and the worker never disagree for
long and never need to talk to each other.

From other apps, after a case, message, idea or question is created, edited or deleted::

    from sayso.intelligence import index_item_later

    index_item_later(organization=case.organization, kind="case", object_id=case.id)

which enqueues the ``sayso.intelligence.tasks.index_item`` task (by name: the tasks module
imports this one) after the transaction commits; the task reads the text from the kind's
registered source (``index.sources``), embeds it when it changed, and removes the item when the
source no longer yields it. To index a text you already hold, synchronously:
``item_index(organization=..., kind=..., object_id=..., text=..., metadata=...)`` (or
``vector=`` a precomputed 384-value embedding); to remove: ``item_unindex(...)``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sayso.core.models import Organization
from sayso.core.task_engine import task_by_path
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.snapshot import DIMENSIONS, Marker
from sayso.intelligence.index.sources import get_source
from sayso.intelligence.models import EmbeddedItem, IndexState, ItemKind

logger = logging.getLogger("sayso.intelligence")

EMBED_BATCH = 256
EXTERNAL = "external"  # ``embedder`` of vectors given by the caller
# The tasks that index in the background (``sayso/intelligence/tasks.py``).
INDEX_ITEM = "sayso.intelligence.tasks.index_item"
INDEX_ITEMS = "sayso.intelligence.tasks.index_items"


@dataclass(frozen=True)
class IndexInput:
    """One item to index: its text (embedded here), a precomputed ``vector``, or both (the
    vector the caller already computed from that text with ``embed()``)."""

    object_id: int
    text: str | None = None
    vector: Any = None
    metadata: Mapping[str, Any] | None = None


@dataclass
class IndexCounts:
    embedded: int = 0  # new or changed text (or vector): a new vector was stored
    updated: int = 0  # same text, new metadata
    unchanged: int = 0
    removed: int = 0

    def add(self, other: IndexCounts) -> None:
        self.embedded += other.embedded
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed


@dataclass
class RebuildResult:
    kind: str
    backend: str
    items: int = 0
    counts: IndexCounts = field(default_factory=IndexCounts)
    purged: int = 0
    snapshot: Marker | None = None


def embedder_name() -> str:
    """The default backend, and for int8 its recipe: vectors of another recipe are embedded
    again by the next ``sayso index rebuild`` (or change of the text)."""
    from sayso.intelligence.embeddings import default_backend
    from sayso.intelligence.embeddings.int8 import RECIPE_VERSION

    backend = default_backend()
    return f"minilm-{backend}.r{RECIPE_VERSION}" if backend == "int8" else f"minilm-{backend}"


def text_hash(text: str, *, embedder: str) -> str:
    """What decides whether a text must be embedded again: the text and the embedder."""
    return hashlib.sha256(f"{embedder}\x00{text}".encode()).hexdigest()


def _check_kind(kind: str) -> None:
    if kind not in ItemKind.values:
        raise ValueError(f"Unknown item kind “{kind}”.")


def _clean_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    value = dict(metadata or {})
    if not all(isinstance(key, str) for key in value):
        raise ValueError("Metadata keys must be strings.")
    json.dumps(value)  # raises TypeError for what a JSON field cannot hold
    return value


def _clean_vector(vector: Any) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    if array.shape != (DIMENSIONS,) or not np.all(np.isfinite(array)):
        raise ValueError(f"A vector has {DIMENSIONS} finite values.")
    norm = float(np.linalg.norm(array))
    if norm == 0:
        raise ValueError("A vector must not be all zeros.")
    return array / norm


def _bump_generation(organization: Organization, kind: str) -> int:
    """The next generation of this index (call inside the write's transaction)."""
    state, _ = IndexState.objects.get_or_create(organization=organization, kind=kind)
    IndexState.objects.filter(pk=state.pk).update(
        generation=F("generation") + 1, updated_at=timezone.now()
    )
    return int(IndexState.objects.values_list("generation", flat=True).get(pk=state.pk))


def _write(
    organization: Organization, kind: str, rows: list[tuple[int, bytes, str, str, dict[str, Any]]]
) -> None:
    """Upsert rows (object_id, vector bytes, text hash, embedder, metadata) in one transaction."""
    if not rows:
        return
    with transaction.atomic():
        generation = _bump_generation(organization, kind)
        now = timezone.now()
        if vector_pg.column_present():
            # The row and its pgvector embedding in one write (see ``vector_pg.upsert``).
            vector_pg.upsert(
                organization_id=organization.pk,
                kind=kind,
                rows=rows,
                generation=generation,
                now=now,
            )
            return
        EmbeddedItem.objects.bulk_create(
            [
                EmbeddedItem(
                    organization=organization,
                    kind=kind,
                    object_id=object_id,
                    vector=raw,
                    text_hash=digest,
                    embedder=embedder,
                    metadata=metadata,
                    generation=generation,
                    created_at=now,
                    updated_at=now,
                )
                for object_id, raw, digest, embedder, metadata in rows
            ],
            update_conflicts=True,
            unique_fields=["organization", "kind", "object_id"],
            update_fields=[
                "vector",
                "text_hash",
                "embedder",
                "metadata",
                "generation",
                "updated_at",
            ],
        )


def items_index(
    *,
    organization: Organization,
    kind: str,
    items: Iterable[IndexInput],
    force: bool = False,
    batch_size: int = EMBED_BATCH,
    progress: Callable[[int], Any] | None = None,
) -> IndexCounts:
    """Add or update many items (upsert on organization, kind, object id).

    A text whose hash (with the embedder's name) matches the stored one is not embedded again
    unless ``force``; a changed metadata dict alone is just stored. One transaction per batch.
    """
    _check_kind(kind)
    counts = IndexCounts()
    iterator = iter(items)
    embedder = embedder_name()
    while batch := list(islice(iterator, batch_size)):
        counts.add(_index_batch(organization, kind, batch, force=force, embedder=embedder))
        if progress is not None:
            progress(len(batch))
    return counts


def _index_batch(
    organization: Organization, kind: str, batch: list[IndexInput], *, force: bool, embedder: str
) -> IndexCounts:
    counts = IndexCounts()
    latest: dict[int, IndexInput] = {int(item.object_id): item for item in batch}
    existing = {
        object_id: (digest, metadata, bytes(raw))
        for object_id, digest, metadata, raw in EmbeddedItem.objects.filter(
            organization=organization, kind=kind, object_id__in=list(latest)
        ).values_list("object_id", "text_hash", "metadata", "vector")
    }
    rows: list[tuple[int, bytes, str, str, dict[str, Any]]] = []
    to_embed: list[tuple[int, str, str, dict[str, Any]]] = []
    keep_vector: dict[int, tuple[str, dict[str, Any]]] = {}
    for object_id, item in latest.items():
        metadata = _clean_metadata(item.metadata)
        if item.vector is not None and item.text is not None:
            # The caller embedded this text already (with this embedder): store its vector
            # under the text's hash, as if embedded here.
            digest = text_hash(item.text, embedder=embedder)
            stored = existing.get(object_id)
            if not force and stored and stored[2] and stored[0] == digest:
                if stored[1] == metadata:
                    counts.unchanged += 1
                else:
                    keep_vector[object_id] = (digest, metadata)
                continue
            rows.append(
                (object_id, _clean_vector(item.vector).tobytes(), digest, embedder, metadata)
            )
            continue
        if item.vector is not None:
            array = _clean_vector(item.vector)
            raw = array.tobytes()
            digest = "v:" + hashlib.sha256(raw).hexdigest()[:62]
            stored = existing.get(object_id)
            if not force and stored and stored[2] and stored[0] == digest:
                if stored[1] == metadata:
                    counts.unchanged += 1
                else:
                    keep_vector[object_id] = (digest, metadata)
                continue
            rows.append((object_id, raw, digest, EXTERNAL, metadata))
            continue
        if item.text is None:
            raise ValueError(f"Item {object_id}: give a text or a vector.")
        digest = text_hash(item.text, embedder=embedder)
        stored = existing.get(object_id)
        if not force and stored and stored[2] and stored[0] == digest:
            if stored[1] == metadata:
                counts.unchanged += 1
            else:
                keep_vector[object_id] = (digest, metadata)
            continue
        to_embed.append((object_id, item.text, digest, metadata))
    if to_embed:
        from sayso.intelligence.embeddings import embed

        vectors = embed([text for _, text, _, _ in to_embed])  # outside the transaction
        for (object_id, _, digest, metadata), vector in zip(to_embed, vectors, strict=True):
            rows.append((object_id, _clean_vector(vector).tobytes(), digest, embedder, metadata))
    counts.embedded += len(rows)
    if keep_vector:
        for object_id, (digest, metadata) in keep_vector.items():
            stored_embedder = EXTERNAL if digest.startswith("v:") else embedder
            rows.append((object_id, existing[object_id][2], digest, stored_embedder, metadata))
        counts.updated += len(keep_vector)
    _write(organization, kind, rows)
    return counts


def item_index(
    *,
    organization: Organization,
    kind: str,
    object_id: int,
    text: str | None = None,
    vector: Any = None,
    metadata: Mapping[str, Any] | None = None,
    force: bool = False,
) -> str:
    """Add or update one item; returns "embedded", "updated" (metadata only) or "unchanged"."""
    if (text is None) == (vector is None):
        raise ValueError("Give a text or a vector.")
    counts = items_index(
        organization=organization,
        kind=kind,
        items=[IndexInput(object_id=object_id, text=text, vector=vector, metadata=metadata)],
        force=force,
    )
    if counts.embedded:
        return "embedded"
    return "updated" if counts.updated else "unchanged"


def items_unindex(*, organization: Organization, kind: str, object_ids: Iterable[int]) -> int:
    """Remove items from the index; returns how many were there.

    The rows stay, emptied (vector, hash and metadata cleared) with a new generation, so that
    every process sees the removal; ``index_rebuild`` deletes them.
    """
    _check_kind(kind)
    ids = sorted({int(object_id) for object_id in object_ids})
    removed = 0
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        with transaction.atomic():
            present = list(
                EmbeddedItem.objects.live()
                .filter(organization=organization, kind=kind, object_id__in=part)
                .values_list("object_id", flat=True)
            )
            if not present:
                continue
            generation = _bump_generation(organization, kind)
            EmbeddedItem.objects.filter(
                organization=organization, kind=kind, object_id__in=present
            ).update(
                vector=b"",
                text_hash="",
                metadata={},
                generation=generation,
                updated_at=timezone.now(),
            )
            vector_pg.write(
                organization_id=organization.pk,
                kind=kind,
                rows=[(object_id, b"") for object_id in present],
            )
            removed += len(present)
    return removed


def item_unindex(*, organization: Organization, kind: str, object_id: int) -> bool:
    """Remove one item from the index; False when it was not there."""
    return bool(items_unindex(organization=organization, kind=kind, object_ids=[object_id]))


_COALESCING: ContextVar[dict[tuple[int, str], set[int]] | None] = ContextVar(
    "sayso_index_coalescing", default=None
)


def index_item_later(*, organization: Organization, kind: str, object_id: int) -> None:
    """Re-index one item from its source in the background, after the current transaction.

    Inside ``index_coalesced()`` the item is only noted, and queued with the others when the
    block ends."""
    _check_kind(kind)
    pending = _COALESCING.get()
    if pending is not None:
        pending.setdefault((organization.pk, kind), set()).add(int(object_id))
        return
    organization_id = organization.pk
    transaction.on_commit(
        lambda: task_by_path(INDEX_ITEM).enqueue(organization_id, kind, int(object_id))
    )


def index_written(*, organization: Organization, kind: str, object_ids: Iterable[int]) -> None:
    """Inside ``index_coalesced()``: these items were just indexed (``items_index`` with their
    vectors), so no task needs to index them again."""
    pending = _COALESCING.get()
    if pending is not None:
        pending.get((organization.pk, kind), set()).difference_update(int(i) for i in object_ids)


@contextmanager
def index_coalesced() -> Iterator[None]:
    """Collect the ``index_item_later`` calls of a block and queue one ``index_items`` task per
    organization and kind after commit (storing a batch of messages then queues one task, and
    the worker embeds them in one batch, instead of one task and one embedding per message).
    Use it inside the transaction that writes the items, or around several of them."""
    if _COALESCING.get() is not None:  # nested: the outer block queues
        yield
        return
    pending: dict[tuple[int, str], set[int]] = {}
    token = _COALESCING.set(pending)
    try:
        yield
    finally:
        _COALESCING.reset(token)
    for (organization_id, kind), ids in pending.items():
        if ids:
            transaction.on_commit(partial(_enqueue_index, organization_id, kind, sorted(ids)))


def _enqueue_index(organization_id: int, kind: str, ids: list[int]) -> None:
    if len(ids) == 1:
        task_by_path(INDEX_ITEM).enqueue(organization_id, kind, ids[0])
    else:
        task_by_path(INDEX_ITEMS).enqueue(organization_id, kind, ids)


def index_persist(*, organization: Organization, kind: str, full: bool = False) -> Marker | None:
    """Write the embedded index's snapshot now (None on the pgvector path, which needs none)."""
    _check_kind(kind)
    if vector_pg.enabled():
        return None
    return index_embedded.persist(organization.pk, kind, full=full)


def index_maintain(*, organization: Organization, kind: str) -> bool:
    """Write a new snapshot when enough changes piled up in memory (the worker, after writes)."""
    _check_kind(kind)
    if vector_pg.enabled():
        return False
    return index_embedded.maintain(organization.pk, kind)


def index_purge_removed(*, organization: Organization, kind: str) -> int:
    """Delete the emptied rows of removed items (then a new snapshot must be written)."""
    with transaction.atomic():
        deleted, _ = EmbeddedItem.objects.filter(
            organization=organization, kind=kind, vector=b""
        ).delete()
        if deleted:
            _bump_generation(organization, kind)
    return deleted


def index_rebuild(
    *,
    organization: Organization,
    kind: str,
    force: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> RebuildResult:
    """Bring the index of ``kind`` in line with its source, then rewrite its snapshot.

    Texts are read from the registered source; changed or new ones are embedded (all of them
    with ``force``), items the source no longer yields are removed and purged. Without a
    registered source the stored vectors are kept and only the snapshot is rewritten.
    """
    _check_kind(kind)
    result = RebuildResult(kind=kind, backend="")
    source = get_source(kind)
    if source is not None:
        seen: set[int] = set()

        def inputs() -> Iterable[IndexInput]:
            for item in source.items(organization, None):
                seen.add(int(item.object_id))
                yield IndexInput(object_id=item.object_id, text=item.text, metadata=item.metadata)

        result.counts = items_index(
            organization=organization, kind=kind, items=inputs(), force=force, progress=progress
        )
        stored = set(
            EmbeddedItem.objects.live()
            .filter(organization=organization, kind=kind)
            .values_list("object_id", flat=True)
        )
        result.counts.removed = items_unindex(
            organization=organization, kind=kind, object_ids=stored - seen
        )
    result.purged = index_purge_removed(organization=organization, kind=kind)
    result.items = EmbeddedItem.objects.live().filter(organization=organization, kind=kind).count()
    if vector_pg.column_present():
        vector_pg.backfill(organization_id=organization.pk, kind=kind)
    if vector_pg.enabled():
        result.backend = "pgvector"
    else:
        result.snapshot = index_embedded.persist(organization.pk, kind, full=True)
        result.backend = result.snapshot.backend
    return result
