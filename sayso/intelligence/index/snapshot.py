"""Persisted snapshots of one organization's vectors of one kind: exact (numpy) or HNSW (usearch).

Plain Python and numpy, no Django. A snapshot is immutable once written: the live index
(``index_embedded``) keeps the changes made since in memory and a new snapshot replaces the old
one atomically. Files live in one directory per organization::

    <kind>.json                    the marker: format, backend, generation, count, file names
    <kind>.<generation>.usearch    HNSW graph + f16 vectors (backend "usearch"), or
    <kind>.<generation>.npy        float32 matrix (backend "exact")
    <kind>.<generation>.ids.npy    int64 object ids, one per matrix row (backend "exact")
    <kind>.lock                    held (flock) while a snapshot is written

Writers write new files under temporary names, fsync, rename them into place and only then
replace the marker (``os.replace`` is atomic), so a reader never sees a half-written snapshot;
files of older generations are removed afterwards (a process still using one keeps its open
mapping). Readers memory-map the files, so the web server and the worker share one copy in the
page cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

try:  # fcntl is POSIX-only; without it writers are not serialized across processes.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
_held_locks = threading.local()  # lock files this thread holds, for re-entrance
DIMENSIONS = 384
EXACT = "exact"
USEARCH = "usearch"

# HNSW parameters, chosen by bench/similar.py (see docs/intelligence.md): int8 vectors cap
# recall@10 near 0.92 whatever the search breadth; half-precision ones reach 0.98 at 100k
# items with a wider search, still in about 2 ms.
USEARCH_DTYPE = "f16"
USEARCH_CONNECTIVITY = 16
USEARCH_EXPANSION_ADD = 128
USEARCH_EXPANSION_SEARCH = 256


class SnapshotError(Exception):
    """A snapshot's files are missing, unreadable or of another format."""


class Snapshot(Protocol):
    backend: str
    generation: int

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` nearest ids and their cosine similarities, best first."""
        ...

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """A boolean array: which of ``ids`` the snapshot holds."""
        ...

    def all_ids(self) -> np.ndarray: ...


def top_k(scores: np.ndarray, count: int) -> np.ndarray:
    """Row positions of the ``count`` highest scores, highest first."""
    count = min(count, len(scores))
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count < len(scores):
        part = np.argpartition(-scores, count - 1)[:count]
    else:
        part = np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


class ExactSnapshot:
    """Brute force over a float32 matrix: exact, fast enough for small indexes."""

    backend = EXACT

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, generation: int) -> None:
        self.ids = ids
        self.vectors = vectors
        self.generation = generation
        self._sorted: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.vectors @ query
        best = top_k(scores, count)
        return np.asarray(self.ids[best], dtype=np.int64), scores[best].astype(np.float32)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        if self._sorted is None:
            self._sorted = np.sort(np.asarray(self.ids))
        if not len(self._sorted):
            return np.zeros(len(ids), dtype=bool)
        pos = np.searchsorted(self._sorted, ids).clip(0, len(self._sorted) - 1)
        return np.asarray(self._sorted[pos] == ids)

    def all_ids(self) -> np.ndarray:
        return np.asarray(self.ids, dtype=np.int64)


class UsearchSnapshot:
    """An HNSW graph (usearch) with half-precision vectors; approximate, sub-linear."""

    backend = USEARCH

    def __init__(self, index: Any, generation: int) -> None:
        self.index = index
        self.generation = generation

    def __len__(self) -> int:
        return int(self.index.size)

    def search(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        count = min(count, len(self))
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # The graph walk keeps max(expansion_search, count) candidates.
        matches = self.index.search(query, count, threads=1)
        ids = np.asarray(matches.keys, dtype=np.int64)
        scores = 1.0 - np.asarray(matches.distances, dtype=np.float32)
        return ids, scores

    def contains(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros(0, dtype=bool)
        return np.asarray(self.index.contains(ids.astype(np.uint64)), dtype=bool).reshape(-1)

    def all_ids(self) -> np.ndarray:
        return np.asarray(self.index.keys, dtype=np.int64)


def usearch_available() -> bool:
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True


def new_usearch_index() -> Any:
    from usearch.index import Index

    index = Index(
        ndim=DIMENSIONS,
        metric="cos",
        dtype=USEARCH_DTYPE,
        connectivity=USEARCH_CONNECTIVITY,
        expansion_add=USEARCH_EXPANSION_ADD,
        expansion_search=USEARCH_EXPANSION_SEARCH,
    )
    return index


def usearch_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@dataclass(frozen=True)
class Marker:
    backend: str
    generation: int
    count: int
    files: tuple[str, ...]
    format: int = FORMAT
    dimensions: int = DIMENSIONS

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Marker:
        return cls(
            backend=str(raw["backend"]),
            generation=int(raw["generation"]),
            count=int(raw["count"]),
            files=tuple(str(name) for name in raw["files"]),
            format=int(raw["format"]),
            dimensions=int(raw["dimensions"]),
        )

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "dimensions": self.dimensions,
                "backend": self.backend,
                "generation": self.generation,
                "count": self.count,
                "files": list(self.files),
            }
        )


class SnapshotStore:
    """The files of one organization's snapshots: read the marker, load, write atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def marker_path(self, kind: str) -> Path:
        return self.directory / f"{kind}.json"

    def read_marker(self, kind: str) -> Marker | None:
        """The current marker, or None when there is none or it is unreadable/outdated."""
        try:
            raw = json.loads(self.marker_path(kind).read_text(encoding="utf-8"))
            marker = Marker.parse(raw)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if marker.format != FORMAT or marker.dimensions != DIMENSIONS:
            return None
        return marker

    def marker_stamp(self, kind: str) -> tuple[int, int] | None:
        """A cheap fingerprint of the marker file (inode, mtime): changes when it is replaced."""
        try:
            stat = self.marker_path(kind).stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def load(self, marker: Marker) -> Snapshot:
        paths = [self.directory / name for name in marker.files]
        try:
            if marker.backend == EXACT:
                vectors = np.load(paths[0], mmap_mode="r")
                ids = np.load(paths[1], mmap_mode="r")
                if vectors.shape != (marker.count, DIMENSIONS) or ids.shape != (marker.count,):
                    raise SnapshotError(f"{paths[0]} does not hold {marker.count} vectors")
                return ExactSnapshot(ids, vectors, marker.generation)
            if marker.backend == USEARCH:
                from usearch.index import Index

                index: Any = Index.restore(str(paths[0]), view=True)
                if index is None or int(index.size) != marker.count:
                    raise SnapshotError(f"{paths[0]} does not hold {marker.count} vectors")
                index.expansion_search = USEARCH_EXPANSION_SEARCH
                return UsearchSnapshot(index, marker.generation)
        except (OSError, ValueError, RuntimeError, ImportError, IndexError) as error:
            raise SnapshotError(str(error)) from error
        raise SnapshotError(f"unknown index backend {marker.backend!r}")

    def load_writable_usearch(self, marker: Marker) -> Any:
        """A private, modifiable copy of a usearch snapshot (for compaction)."""
        from usearch.index import Index

        index = Index.restore(str(self.directory / marker.files[0]), view=False)
        if index is None:
            raise SnapshotError(f"cannot read {marker.files[0]}")
        return index

    @contextlib.contextmanager
    def writing(self, kind: str) -> Iterator[None]:
        """Hold the kind's write lock: one snapshot writer at a time, across processes and
        threads; re-entrant within a thread."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = str((self.directory / f"{kind}.lock").resolve())
        held: dict[str, int] = _held_locks.__dict__.setdefault("paths", {})
        if held.get(path):
            held[path] += 1
            try:
                yield
            finally:
                held[path] -= 1
            return
        with open(path, "a+b") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            held[path] = 1
            try:
                yield
            finally:
                held.pop(path, None)
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def write_exact(
        self, kind: str, *, ids: np.ndarray, vectors: np.ndarray, generation: int
    ) -> Marker:
        """Write an exact snapshot; call inside ``writing(kind)``."""
        names = (f"{kind}.{generation}.npy", f"{kind}.{generation}.ids.npy")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._write_file(names[0], lambda path: _save_npy(path, vectors))
        self._write_file(names[1], lambda path: _save_npy(path, ids))
        return self._publish(kind, Marker(EXACT, generation, len(ids), names))

    def write_usearch(self, kind: str, *, index: Any, generation: int) -> Marker:
        """Write a usearch snapshot; call inside ``writing(kind)``."""
        name = f"{kind}.{generation}.usearch"
        self._write_file(name, lambda path: index.save(path))
        return self._publish(kind, Marker(USEARCH, generation, int(index.size), (name,)))

    def remove(self, kind: str) -> None:
        """Delete the kind's marker and files (the index is rebuilt from the database)."""
        with contextlib.suppress(FileNotFoundError):
            self.marker_path(kind).unlink()
        self._remove_old(kind, keep=())

    def size_on_disk(self, marker: Marker) -> int:
        total = 0
        for name in marker.files:
            with contextlib.suppress(OSError):
                total += (self.directory / name).stat().st_size
        return total

    def _write_file(self, name: str, write: Callable[[str], None]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.directory)
        os.close(fd)
        try:
            write(tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _publish(self, kind: str, marker: Marker) -> Marker:
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}.", suffix=".json.tmp", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(marker.as_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.marker_path(kind))
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self._remove_old(kind, keep=marker.files)
        return marker

    def _remove_old(self, kind: str, keep: tuple[str, ...]) -> None:
        if not self.directory.exists():
            return
        for path in self.directory.iterdir():
            name = path.name
            if name in keep or not name.startswith(f"{kind}."):
                continue
            if name.endswith((".npy", ".usearch")) and name.split(".")[1].isdigit():
                with contextlib.suppress(OSError):
                    path.unlink()


def _save_npy(path: str, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, array)
