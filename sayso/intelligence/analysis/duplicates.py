"""Duplicate detection over a stream of messages.

- exact: the same normalized text (case, spacing and punctuation ignored);
- near: the same text with small edits — character 4-gram shingles with a Jaccard
  similarity of at least ``near_threshold`` (``copy_threshold`` between different authors),
  candidates found by MinHash LSH so a long stream costs no pairwise comparison;
- meaning: the same author saying the same thing in other words (embedding cosine of at
  least ``meaning_threshold``) within ``meaning_window``.

Text repeated by *another* author is a duplicate only when it is long enough not to be a
coincidence ("thanks!" twice is not); the pipeline reports it as a copy (spam).

The index remembers the last ``capacity`` items (exact texts: ``exact_capacity``), so memory
stays bounded however long the stream.
"""

from __future__ import annotations

import contextlib
import zlib
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from sayso.intelligence.analysis import signals

SHINGLE = 4
BANDS = 12
ROWS = 3
_PRIME = (1 << 31) - 1
_rng = np.random.default_rng(20240531)
_A = _rng.integers(1, _PRIME, size=BANDS * ROWS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=BANDS * ROWS, dtype=np.uint64)
MIN_NEAR_CHARS = 20
TEXT_KEPT = 2000  # characters of a text the encoder reads (pipeline.MAX_EMBED_CHARS)


def shingles(norm: str) -> frozenset[int]:
    if len(norm) <= SHINGLE:
        return frozenset({zlib.crc32(norm.encode())})
    return frozenset(
        zlib.crc32(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)
    )


def minhash(hashes: frozenset[int]) -> np.ndarray:
    h = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    return ((np.outer(h, _A) + _B) % _PRIME).min(axis=0)


def band_keys(signature: np.ndarray) -> list[tuple[int, bytes]]:
    return [(b, signature[b * ROWS : (b + 1) * ROWS].tobytes()) for b in range(BANDS)]


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    # len(a | b) == len(a) + len(b) - len(a & b): the same value without building the union.
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def author_key(author: str = "", author_url: str = "", author_id: str = "") -> str:
    """Who wrote it, as far as we can tell; "" when unknown."""
    if author_id:
        return f"id:{author_id}"
    name = " ".join((author or "").casefold().split())
    domain = signals.domain_of(author_url or "")
    return f"{name}|{domain}" if name or domain else ""


@dataclass
class Record:
    key: int
    # The text, kept only while the record has an author and no vector: should the same
    # author write again within the window, the analysis embeds it then (``same_author``).
    text: str
    norm: str
    shingles: frozenset[int]
    bands: list[tuple[int, bytes]]
    author: str
    created_at: datetime | None
    vector: np.ndarray | None
    substantive: bool


@dataclass(frozen=True)
class Match:
    key: int
    kind: str  # "exact", "near" or "meaning"
    similarity: float
    other_author: bool


@dataclass
class Probe:
    """One new item, prepared once for ``match`` and ``add``."""

    text: str
    norm: str
    shingles: frozenset[int]
    bands: list[tuple[int, bytes]]
    author: str
    created_at: datetime | None
    vector: np.ndarray | None
    substantive: bool


class DuplicateIndex:
    def __init__(
        self,
        *,
        capacity: int = 20_000,
        exact_capacity: int = 200_000,
        near_threshold: float = 0.6,
        copy_threshold: float = 0.8,
        meaning_threshold: float = 0.85,
        meaning_window: timedelta = timedelta(days=3),
        per_author: int = 20,
    ) -> None:
        self.capacity = capacity
        self.exact_capacity = exact_capacity
        self.near_threshold = near_threshold
        self.copy_threshold = copy_threshold
        self.meaning_threshold = meaning_threshold
        self.meaning_window = meaning_window
        self.per_author = per_author
        self._records: OrderedDict[int, Record] = OrderedDict()
        self._exact: OrderedDict[str, list[int]] = OrderedDict()
        self._exact_author: dict[int, tuple[str, bool]] = {}
        self._buckets: dict[tuple[int, bytes], list[int]] = {}
        self._by_author: dict[str, deque[int]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def probe(
        self,
        text: str,
        *,
        author: str = "",
        created_at: datetime | None = None,
        vector: np.ndarray | None = None,
    ) -> Probe:
        norm = signals.normalize(text) or text.strip()
        hashes = shingles(norm)
        bands = band_keys(minhash(hashes)) if len(norm) >= MIN_NEAR_CHARS else []
        return Probe(
            text=text,
            norm=norm,
            shingles=hashes,
            bands=bands,
            author=author,
            created_at=created_at,
            vector=vector,
            substantive=signals.is_substantive(text),
        )

    def _allowed(self, probe: Probe, author: str, substantive: bool) -> bool:
        if not probe.author or not author or probe.author == author:
            return True
        # Another author: only text long enough to be a copy, not a coincidence.
        return probe.substantive and substantive

    def match(self, probe: Probe) -> Match | None:
        for key in self._exact.get(probe.norm, []):
            author, substantive = self._exact_author[key]
            if self._allowed(probe, author, substantive):
                other = bool(probe.author and author and probe.author != author)
                return Match(key, "exact", 1.0, other)
        best: tuple[float, int] | None = None
        seen: set[int] = set()
        size = len(probe.shingles)
        for band in probe.bands:
            for key in self._buckets.get(band, ()):
                if key in seen:
                    continue
                seen.add(key)
                record = self._records.get(key)
                if record is None or not self._allowed(probe, record.author, record.substantive):
                    continue
                other = bool(probe.author and record.author and probe.author != record.author)
                threshold = self.copy_threshold if other else self.near_threshold
                # Jaccard is at most the smaller set's size over the larger's: a candidate
                # whose size alone keeps it under the threshold, or under the best so far,
                # is not compared (the same result, without building the intersection).
                smaller, larger = sorted((size, len(record.shingles)))
                if larger and smaller / larger < (
                    threshold if best is None else max(threshold, best[0])
                ):
                    continue
                similarity = jaccard(probe.shingles, record.shingles)
                if similarity >= threshold and (
                    best is None
                    or similarity > best[0]
                    or (similarity == best[0] and key < best[1])
                ):
                    best = (similarity, key)
        if best is not None:
            record = self._records[best[1]]
            other = bool(probe.author and record.author and probe.author != record.author)
            return Match(best[1], "near", round(best[0], 3), other)
        if probe.vector is not None and probe.author:
            for key in self._by_author.get(probe.author, ()):
                record = self._records.get(key)
                if record is None or record.vector is None:
                    continue
                if not self.in_window(probe.created_at, record.created_at):
                    continue
                similarity = float(np.dot(probe.vector, record.vector))
                if similarity >= self.meaning_threshold and (best is None or similarity > best[0]):
                    best = (similarity, key)
            if best is not None:
                return Match(best[1], "meaning", round(best[0], 3), False)
        return None

    def in_window(self, a: datetime | None, b: datetime | None) -> bool:
        """Whether two items are close enough in time to repeat each other in other words
        (an item without a time is close to any)."""
        return a is None or b is None or abs(a - b) <= self.meaning_window

    def same_author(self, author: str, created_at: datetime | None) -> list[Record]:
        """The remembered items of ``author`` within the meaning window of ``created_at``:
        those a new item of theirs is compared with by meaning."""
        if not author:
            return []
        records = (self._records.get(key) for key in self._by_author.get(author, ()))
        return [r for r in records if r is not None and self.in_window(created_at, r.created_at)]

    def set_vector(self, key: int, vector: np.ndarray) -> None:
        """Give a remembered item its vector (computed once another of its author's items
        came within the window); its text is no longer needed."""
        record = self._records.get(key)
        if record is not None:
            record.vector = vector
            record.text = ""

    def add(self, key: int, probe: Probe) -> None:
        record = Record(
            key=key,
            text=probe.text[:TEXT_KEPT] if probe.author and probe.vector is None else "",
            norm=probe.norm,
            shingles=probe.shingles,
            bands=probe.bands,
            author=probe.author,
            created_at=probe.created_at,
            vector=probe.vector,
            substantive=probe.substantive,
        )
        self._records[key] = record
        keys = self._exact.setdefault(probe.norm, [])
        if len(keys) < 8:  # the first few holders of a text are enough to find its origin
            keys.append(key)
            self._exact_author[key] = (probe.author, probe.substantive)
        self._exact.move_to_end(probe.norm)
        for band in probe.bands:
            self._buckets.setdefault(band, []).append(key)
        if probe.author:
            recent = self._by_author.setdefault(probe.author, deque(maxlen=self.per_author))
            recent.append(key)
        while len(self._records) > self.capacity:
            self._evict_record()
        while len(self._exact) > self.exact_capacity:
            _, old = self._exact.popitem(last=False)
            for k in old:
                self._exact_author.pop(k, None)

    def _evict_record(self) -> None:
        key, record = self._records.popitem(last=False)
        for band in record.bands:
            bucket = self._buckets.get(band)
            if bucket is not None:
                with contextlib.suppress(ValueError):
                    bucket.remove(key)
                if not bucket:
                    del self._buckets[band]
        if record.author:
            recent = self._by_author.get(record.author)
            if recent is not None and not any(k in self._records for k in recent):
                del self._by_author[record.author]
