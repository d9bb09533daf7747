"""The embedded similar-item index: a snapshot on disk plus the changes made since, per process.

The database is the source of truth (``EmbeddedItem`` rows, and ``IndexState.generation``
bumped by every write). Each process (web server, worker) keeps one ``LiveIndex`` per
(organization, kind): the latest snapshot file, memory-mapped, and an exact in-memory *delta*
of the rows written after it (new or changed vectors, and the snapshot ids they hide). Before
every query the process reads the generation (one indexed row); when it moved, it fetches the
rows with a higher generation — a change feed that includes removals, which leave an empty row
— and when another process published a newer snapshot, it maps that instead. A missing,
unreadable or foreign snapshot (newer than the database, another format, a count that does not
match the rows) is rebuilt from the rows.

Snapshots are written by ``persist()``: exact (numpy) up to ``SAYSO_INDEX_EXACT_MAX`` items,
HNSW (usearch, f16) above. The worker compacts an index after writes when its delta has grown
past ``delta_limit()``; ``sayso index rebuild`` writes one from scratch.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from sayso.core.sql_names import columns, table
from sayso.intelligence.index.snapshot import (
    DIMENSIONS,
    EXACT,
    USEARCH,
    ExactSnapshot,
    Marker,
    Snapshot,
    SnapshotError,
    SnapshotStore,
    new_usearch_index,
    top_k,
    usearch_available,
    usearch_threads,
)
from sayso.intelligence.models import EmbeddedItem, IndexState

logger = logging.getLogger("sayso.intelligence")

READ_CHUNK = 20_000


def exact_max() -> int:
    """Up to this many items a snapshot is an exact matrix; above, an HNSW graph."""
    return int(getattr(settings, "SAYSO_INDEX_EXACT_MAX", 20_000))


def delta_limit(snapshot_size: int) -> int:
    """Changes held in memory before the worker writes a new snapshot."""
    configured = int(getattr(settings, "SAYSO_INDEX_DELTA_MAX", 10_000))
    return max(256, min(configured, max(snapshot_size // 10, 256)))


def data_dir() -> Path:
    return Path(getattr(settings, "SAYSO_DATA_DIR", settings.DATA_DIR))


def store_for(organization_id: int) -> SnapshotStore:
    return SnapshotStore(data_dir() / "index" / str(int(organization_id)))


def current_generation(organization_id: int, kind: str) -> int:
    """The index's write generation, read before every similar-item query. One plain
    statement: building it through the ORM cost more than running it (docs/performance.md)."""
    with connection.cursor() as cursor:
        cursor.execute(_generation_sql(), [int(organization_id), kind])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _generation_sql() -> str:
    column = columns(IndexState, "generation", "organization", "kind")
    return (  # names from the model, values bound
        f"SELECT {column['generation']} FROM {table(IndexState)} "  # noqa: S608
        f"WHERE {column['organization']} = %s AND {column['kind']} = %s"
    )


def as_vector(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype=np.float32)


class LiveIndex:
    """A snapshot plus the exact delta of rows written after it (one per process and kind)."""

    def __init__(
        self,
        snapshot: Snapshot,
        stamp: tuple[int, int] | None,
        lock: threading.RLock | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.stamp = stamp
        self.generation = snapshot.generation
        self.hidden: set[int] = set()  # snapshot ids removed or replaced since
        self.delta: dict[int, np.ndarray] = {}
        self._delta_ids: np.ndarray | None = None
        self._delta_matrix: np.ndarray | None = None
        # Held while the index changes or is searched (shared with its slot in the registry).
        self.lock = lock or threading.RLock()

    def __len__(self) -> int:
        return len(self.snapshot) - len(self.hidden) + len(self.delta)

    @property
    def backend(self) -> str:
        return self.snapshot.backend

    @property
    def changes(self) -> int:
        return len(self.hidden | self.delta.keys())

    def apply(self, rows: list[tuple[int, bytes]]) -> None:
        """Apply changed rows (object id, vector bytes; empty bytes = removed)."""
        if not rows:
            return
        ids = np.fromiter((object_id for object_id, _ in rows), dtype=np.int64, count=len(rows))
        inside = self.snapshot.contains(ids)
        for (object_id, raw), in_snapshot in zip(rows, inside, strict=True):
            if in_snapshot:
                self.hidden.add(int(object_id))
            if raw:
                self.delta[int(object_id)] = as_vector(raw)
            else:
                self.delta.pop(int(object_id), None)
        self._delta_ids = self._delta_matrix = None

    def search(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` nearest live ids and their (index) cosine scores, best first."""
        query = np.asarray(query, dtype=np.float32).reshape(DIMENSIONS)
        ids, scores = self._search_snapshot(query, count)
        if self.delta:
            if self._delta_ids is None or self._delta_matrix is None:
                self._delta_ids = np.fromiter(self.delta.keys(), dtype=np.int64)
                self._delta_matrix = np.vstack(list(self.delta.values()))
            delta_scores = self._delta_matrix @ query
            best = top_k(delta_scores, count)
            ids = np.concatenate([ids, self._delta_ids[best]])
            scores = np.concatenate([scores, delta_scores[best].astype(np.float32)])
            order = top_k(scores, count)
            ids, scores = ids[order], scores[order]
        return ids, scores

    def _search_snapshot(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        size = len(self.snapshot)
        if not size or count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        fetch = min(size, count + min(len(self.hidden), 4 * count))
        while True:
            ids, scores = self.snapshot.search(query, fetch)
            if self.hidden:
                keep = np.fromiter(
                    (int(i) not in self.hidden for i in ids), dtype=bool, count=len(ids)
                )
                ids, scores = ids[keep], scores[keep]
            if len(ids) >= count or fetch >= size:
                return ids[:count], scores[:count]
            fetch = min(size, fetch * 4)


@dataclass
class _Slot:
    lock: threading.RLock
    live: LiveIndex | None = None


_slots: dict[tuple[str, int, str], _Slot] = {}
_slots_lock = threading.Lock()


def _slot(organization_id: int, kind: str) -> _Slot:
    key = (str(data_dir()), int(organization_id), kind)
    with _slots_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _Slot(lock=threading.RLock())
        return slot


def forget() -> None:
    """Drop every loaded index of this process (tests; after restoring a database)."""
    with _slots_lock:
        _slots.clear()


def live_index(organization_id: int, kind: str) -> LiveIndex:
    """This process's current index of ``kind`` for the organization, brought up to date."""
    slot = _slot(organization_id, kind)
    with slot.lock:
        store = store_for(organization_id)
        generation = current_generation(organization_id, kind)
        live = slot.live
        stamp = store.marker_stamp(kind)
        if live is not None and live.stamp == stamp:
            if live.generation != generation:
                _catch_up(live, organization_id, kind, generation)
            return live
        slot.live = _open(store, organization_id, kind, generation, stamp)
        slot.live.lock = slot.lock
        return slot.live


def _open(
    store: SnapshotStore, organization_id: int, kind: str, generation: int, stamp: Any
) -> LiveIndex:
    marker = store.read_marker(kind)
    if marker is not None and marker.generation <= generation:
        try:
            live = LiveIndex(store.load(marker), stamp)
        except SnapshotError as error:
            logger.warning(
                "Index %s of organization %s unreadable (%s).", kind, organization_id, error
            )
        else:
            _catch_up(live, organization_id, kind, generation)
            rows = EmbeddedItem.objects.live().filter(organization_id=organization_id, kind=kind)
            if len(live) == rows.count():
                return live
            logger.warning(
                "Index %s of organization %s does not match the database.", kind, organization_id
            )
    elif marker is not None:
        logger.warning(
            "Index %s of organization %s is newer than the database.", kind, organization_id
        )
    return _build(store, organization_id, kind)


def _catch_up(live: LiveIndex, organization_id: int, kind: str, generation: int) -> None:
    rows = EmbeddedItem.objects.filter(
        organization_id=organization_id, kind=kind, generation__gt=live.generation
    ).values_list("object_id", "vector")
    live.apply([(object_id, bytes(raw)) for object_id, raw in rows.iterator(chunk_size=READ_CHUNK)])
    live.generation = generation


def _build(store: SnapshotStore, organization_id: int, kind: str) -> LiveIndex:
    """Write a snapshot from the database rows and open it."""
    with store.writing(kind):
        marker = write_snapshot(store, organization_id, kind)
    return LiveIndex(store.load(marker), store.marker_stamp(kind))


def write_snapshot(
    store: SnapshotStore,
    organization_id: int,
    kind: str,
    *,
    live: LiveIndex | None = None,
    progress: Any = None,
) -> Marker:
    """Write a snapshot of the current rows (call holding ``store.writing(kind)``).

    With ``live`` (an up-to-date usearch index whose changes are a small part of it) the
    existing graph is patched instead of built again.
    """
    generation = current_generation(organization_id, kind)  # before reading the rows
    rows = EmbeddedItem.objects.live().filter(organization_id=organization_id, kind=kind)
    count = rows.count()
    use_hnsw = count > exact_max() and usearch_available()
    if count > exact_max() and not use_hnsw:
        logger.warning("usearch is not installed: index %s uses exact search.", kind)
    started = time.monotonic()
    if (
        use_hnsw
        and live is not None
        and live.backend == USEARCH
        and live.generation == generation
        and live.changes <= max(len(live.snapshot) // 5, 1)
    ):
        marker = _patch_usearch(store, kind, live, generation)
    elif use_hnsw:
        index = new_usearch_index()
        threads = usearch_threads()
        for ids, vectors in _read_vectors(rows):
            index.add(ids.astype(np.uint64), vectors, threads=threads)
            if progress is not None:
                progress(len(ids))
        marker = store.write_usearch(kind, index=index, generation=generation)
    else:
        parts = list(_read_vectors(rows))
        if progress is not None:
            progress(sum(len(ids) for ids, _ in parts))
        ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        vectors = np.vstack([p[1] for p in parts]) if parts else np.zeros((0, DIMENSIONS))
        marker = store.write_exact(kind, ids=ids, vectors=vectors, generation=generation)
    logger.info(
        "Wrote %s index %s of organization %s: %d items, generation %d, %.1fs.",
        marker.backend,
        kind,
        organization_id,
        marker.count,
        generation,
        time.monotonic() - started,
    )
    return marker


def _patch_usearch(store: SnapshotStore, kind: str, live: LiveIndex, generation: int) -> Marker:
    marker = store.read_marker(kind)
    if marker is None:
        raise SnapshotError("the snapshot to patch has gone")
    index = store.load_writable_usearch(marker)
    if live.hidden:
        index.remove(np.fromiter(live.hidden, dtype=np.uint64))
    if live.delta:
        ids = np.fromiter(live.delta.keys(), dtype=np.uint64)
        index.add(ids, np.vstack(list(live.delta.values())), threads=usearch_threads())
    return store.write_usearch(kind, index=index, generation=generation)


def _read_vectors(rows: Any) -> Any:
    ids: list[int] = []
    vectors: list[bytes] = []
    for object_id, raw in (
        rows.order_by("object_id")
        .values_list("object_id", "vector")
        .iterator(chunk_size=READ_CHUNK)
    ):
        ids.append(object_id)
        vectors.append(bytes(raw))
        if len(ids) >= READ_CHUNK:
            yield _as_arrays(ids, vectors)
            ids, vectors = [], []
    if ids:
        yield _as_arrays(ids, vectors)


def _as_arrays(ids: list[int], vectors: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(ids), DIMENSIONS)
    return np.asarray(ids, dtype=np.int64), matrix


def persist(organization_id: int, kind: str, *, full: bool = False, progress: Any = None) -> Marker:
    """Write a new snapshot now (patching the HNSW graph when that is cheaper, unless ``full``)."""
    store = store_for(organization_id)
    slot = _slot(organization_id, kind)
    with slot.lock, store.writing(kind):
        live = None if full else live_index(organization_id, kind)
        marker = write_snapshot(store, organization_id, kind, live=live, progress=progress)
        slot.live = LiveIndex(store.load(marker), store.marker_stamp(kind), slot.lock)
        _catch_up(slot.live, organization_id, kind, current_generation(organization_id, kind))
        return marker


def maintain(organization_id: int, kind: str) -> bool:
    """Write a snapshot when the in-memory changes have outgrown ``delta_limit``; True if so."""
    live = live_index(organization_id, kind)
    needs = live.changes > delta_limit(len(live.snapshot))
    wrong_kind = (live.backend == EXACT and len(live) > exact_max() and usearch_available()) or (
        live.backend == USEARCH and len(live) < exact_max() // 2
    )
    if needs or wrong_kind:
        persist(organization_id, kind, full=wrong_kind)
        return True
    return False


def drop(organization_id: int, kind: str) -> None:
    """Delete the snapshot files (the next query rebuilds them from the database)."""
    slot = _slot(organization_id, kind)
    with slot.lock:
        store = store_for(organization_id)
        with store.writing(kind):
            store.remove(kind)
        slot.live = None


@dataclass(frozen=True)
class EmbeddedStatus:
    backend: str | None
    snapshot_generation: int | None
    snapshot_items: int | None
    bytes_on_disk: int


def status(organization_id: int, kind: str) -> EmbeddedStatus:
    store = store_for(organization_id)
    marker = store.read_marker(kind)
    if marker is None:
        return EmbeddedStatus(None, None, None, 0)
    return EmbeddedStatus(
        marker.backend, marker.generation, marker.count, store.size_on_disk(marker)
    )


__all__ = [
    "EXACT",
    "USEARCH",
    "ExactSnapshot",
    "LiveIndex",
    "drop",
    "forget",
    "live_index",
    "maintain",
    "persist",
    "status",
]
