"""``analyze(items) -> list[Analysis]``: everything Sayso reads in a message, in one batch.

Each item has ``text`` and optionally ``author``, ``author_url`` and ``created_at`` (an item
is an ``Item`` or a mapping with those keys). All texts of a batch are encoded once with
``encode()``: the heads (a few matrix products) read each text's *features*, the pooled hidden
states after the encoder's first three layers, so the analysis alone runs half the encoder. The
full sentence vector is computed only for what compares meaning: an item whose author wrote
another within the meaning window (see ``DuplicateIndex``). Callers that keep the vectors
anyway (the listening pipeline) pass an ``encoding`` with both. The rules are plain Python.

Duplicates are found against the earlier items of the batch and, when a ``DuplicateIndex``
is passed as ``history``, against everything it remembers (a stream, or a customer's earlier
messages). ``keys`` name the items in that index (default: their position in the batch plus
``history``'s offset); ``duplicate_of`` is such a key and reasons cite it as
"``{noun} #{key}``".
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from sayso.intelligence.analysis import intents, language, sentiment, spam
from sayso.intelligence.analysis.duplicates import (
    TEXT_KEPT,
    DuplicateIndex,
    Match,
    Record,
    author_key,
)
from sayso.intelligence.analysis.heads import load_head, model_version
from sayso.intelligence.embeddings import Encoding

MAX_EMBED_CHARS = TEXT_KEPT  # characters of a text the encoder reads


@dataclass(frozen=True)
class Item:
    text: str
    author: str = ""
    author_url: str = ""
    created_at: datetime | None = None
    # A stable identity of the author when there is one (a customer id): better than a name.
    author_id: str = ""
    # What was not taken as given (an optional field that could not be read, an assumed zone).
    warnings: tuple[str, ...] = ()


@dataclass
class Analysis:
    sentiment: str
    sentiment_score: float
    intents: list[str]
    spam: float
    is_spam: bool
    language: str | None
    duplicate_of: int | None
    duplicate_kind: str | None = None
    reasons: list[str] = field(default_factory=list)
    # The input's fields that were not taken as given (see ``read_created_at``).
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def labels(self) -> dict[str, Any]:
        """The labels as the stored analyses (a message's, a mention's) hold them; each adds
        its own reasons and duplicate fields."""
        return {
            "sentiment": self.sentiment,
            "sentiment_score": self.sentiment_score,
            "intents": self.intents,
            "spam": self.spam,
            "is_spam": self.is_spam,
            "language": self.language or "",
        }


# Unix times at or above this are read as milliseconds (as seconds they would be after the
# year 5000; JavaScript and many exports write milliseconds).
UNIX_MILLISECONDS_FROM = 100_000_000_000
_UNIX_TIME = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Two defaults that differ in every field: a text that leaves a field of the date out (a bare
# "04:48 AM", "12") reads differently against each, and is not taken for a date.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


def parse_datetime(value: Any) -> datetime | None:
    """The one date reader: a ``datetime``; a Unix time in seconds or milliseconds (a number
    or a string of digits, always UTC); ISO 8601 with or without a zone; an RFC 2822 date
    ("Tue, 15 Nov 1994 08:12:31 GMT"); or what people write ("February 23, 2005 at 04:48
    AM"), read by python-dateutil. ``None`` when it cannot be read or names no full date.
    Naive as written when the text gives no zone: the caller decides (see ``read_created_at``).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return _unix_time(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100:
        return None
    if _UNIX_TIME.fullmatch(text):
        return _unix_time(float(text))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    from dateutil import parser as dateutil_parser

    readings = []
    with warnings.catch_warnings():
        # An unknown zone abbreviation ("PST") reads as naive with a warning: naive it is.
        warnings.simplefilter("ignore")
        for default in _DEFAULTS:
            try:
                readings.append(dateutil_parser.parse(text, default=default))
            except (ValueError, OverflowError):
                return None
    first, second = readings
    return first if first == second else None


def _unix_time(seconds: float) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    if abs(seconds) >= UNIX_MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def read_created_at(value: Any, field_name: str = "created_at") -> tuple[datetime | None, str]:
    """An item's time, aware, and a warning for the output when it was not taken as written:
    a value that cannot be read is left out ("… was not understood"), a time without a zone is
    taken as UTC ("… has no time zone: read as UTC")."""
    if value is None or value == "":
        return None, ""
    moment = parse_datetime(value)
    if moment is None:
        shown = str(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        return None, f"“{field_name}” was not understood ({shown!r}): analyzed without it"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC), f"“{field_name}” has no time zone: read as UTC"
    return moment, ""


def as_item(value: Item | Mapping[str, Any] | str) -> Item:
    if isinstance(value, Item):
        return value
    if isinstance(value, str):
        return Item(text=value)
    created_at, warning = read_created_at(value.get("created_at"))
    return Item(
        text=str(value.get("text") or ""),
        author=str(value.get("author") or ""),
        author_url=str(value.get("author_url") or ""),
        created_at=created_at,
        author_id=str(value.get("author_id") or ""),
        warnings=(warning,) if warning else (),
    )


@lru_cache(maxsize=1)
def _encoder_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sayso-encoder")


def embed_later(texts: Sequence[str], *, vectors: bool | np.ndarray = True) -> Future[Encoding]:
    """Start encoding ``texts`` (as ``analyze`` encodes them) in the encoder's helper thread:
    their features and their sentence vectors (``vectors``: all, none, or a boolean mask of
    rows). Pass the future to ``analyze(encoding=...)`` to keep the vectors as well: its
    word-level work still runs while the encoder does."""
    from sayso.intelligence.embeddings import encode

    clipped = [t[:MAX_EMBED_CHARS] for t in texts]
    return _encoder_thread().submit(encode, clipped, vectors=vectors)


def meaning_candidates(
    index: DuplicateIndex, batch: Sequence[Item], authors: Sequence[str]
) -> tuple[np.ndarray, list[Record]]:
    """The rows whose sentence vectors the meaning comparison needs — an item whose author
    has another item in the batch or in ``index`` within the window, and that other item —
    and the remembered items among those that have no vector yet."""
    wanted = np.zeros(len(batch), dtype=bool)
    earlier: dict[int, Record] = {}
    rows_by_author: dict[str, list[int]] = {}
    for row, item in enumerate(batch):
        author = authors[row]
        if not author:
            continue
        partners = [
            r
            for r in rows_by_author.get(author, ())
            if index.in_window(batch[r].created_at, item.created_at)
        ]
        records = index.same_author(author, item.created_at)
        if partners or records:
            wanted[row] = True
            wanted[partners] = True
            earlier.update((r.key, r) for r in records if r.vector is None and r.text)
        rows_by_author.setdefault(author, []).append(row)
    return wanted, list(earlier.values())


def _duplicate_reason(match: Match, noun: str) -> str:
    ref = f"{noun} #{match.key}"
    if match.kind == "exact":
        return f"same text as {ref}"
    if match.kind == "near":
        return f"nearly the same text as {ref}"
    return f"same meaning as {ref} by the same author"


def analyze(
    items: Iterable[Item | Mapping[str, Any] | str],
    *,
    competitors: Sequence[str] = (),
    history: DuplicateIndex | None = None,
    keys: Sequence[int] | None = None,
    noun: str = "comment",
    encoding: Encoding | Future[Encoding] | None = None,
) -> list[Analysis]:
    """Analyze a batch. Pass ``history`` to find duplicates across batches (it is updated),
    ``encoding`` when the texts' features and vectors are at hand (or coming:
    ``embed_later``)."""
    batch = [as_item(item) for item in items]
    if not batch:
        return []
    texts = [item.text for item in batch]
    if keys is None:
        start = len(history) if history is not None else 0
        keys = list(range(start, start + len(batch)))
    if len(keys) != len(batch):
        raise ValueError("keys and items differ in length")
    index = history if history is not None else DuplicateIndex()
    authors = [author_key(i.author, i.author_url, i.author_id) for i in batch]
    # The encoder runs in a helper thread (ONNX Runtime lets go of the GIL) while this one
    # does the work that needs only the words: VADER, languages, the spam signals.
    earlier: list[Record] = []
    earlier_vectors: Future[Encoding] | None = None
    pending: Encoding | Future[Encoding]
    if encoding is None:
        wanted, earlier = meaning_candidates(index, batch, authors)
        if earlier:
            # Remembered items of an author who wrote again within the window: their vectors
            # (first in the helper thread's queue).
            earlier_vectors = embed_later([r.text for r in earlier])
        pending = embed_later(texts, vectors=wanted)
    else:
        pending = encoding
    vader = sentiment.vader_scores(texts)
    languages = language.detect_all(texts)
    spam_inputs = [spam.SpamInput(i.text, i.author, i.author_url) for i in batch]
    spam_features = spam.features(spam_inputs)

    if earlier_vectors is not None:
        found = earlier_vectors.result().vectors
        assert found is not None
        for record, vector in zip(earlier, found, strict=True):
            index.set_vector(record.key, vector)

    encoded = pending.result() if isinstance(pending, Future) else pending
    if encoded.features is None:
        raise ValueError("analyze needs the texts' features (encode(..., features=True))")
    features = np.asarray(encoded.features)
    vectors = None if encoded.vectors is None else np.asarray(encoded.vectors)
    # Rows whose vectors were not asked for are zero (a sentence vector has unit length).
    has_vector = (
        np.any(vectors != 0.0, axis=1) if vectors is not None else np.zeros(len(batch), bool)
    )
    sentiment_p = sentiment.probabilities(load_head("sentiment"), features, vader)
    sentiment_labels, sentiment_scores = sentiment.decide(sentiment_p, vader)
    intent_labels, intent_reasons = intents.predict(
        load_head("intents"), features, texts, vader, sentiment_p, competitors, languages
    )

    matches: list[Match | None] = []
    copies: list[str | None] = []
    for row, item in enumerate(batch):
        probe = index.probe(
            item.text,
            author=authors[row],
            created_at=item.created_at,
            vector=vectors[row] if vectors is not None and has_vector[row] else None,
        )
        match = index.match(probe)
        matches.append(match)
        copies.append(
            f"copies {noun} #{match.key} by another author"
            if match is not None and match.other_author
            else None
        )
        index.add(keys[row], probe)

    verdicts = spam.predict(load_head("spam"), features, spam_inputs, copies, spam_features)
    results = []
    for i in range(len(batch)):
        match = matches[i]
        reasons = list(verdicts[i].reasons)
        if match is not None and not match.other_author:
            reasons.insert(0, _duplicate_reason(match, noun))
        reasons += intent_reasons[i]
        results.append(
            Analysis(
                sentiment=sentiment_labels[i],
                sentiment_score=round(float(sentiment_scores[i]), 4),
                intents=intent_labels[i],
                spam=verdicts[i].probability,
                is_spam=verdicts[i].is_spam,
                language=languages[i],
                duplicate_of=match.key if match is not None else None,
                duplicate_kind=(
                    ("copy" if match.other_author else match.kind) if match is not None else None
                ),
                reasons=reasons,
                warnings=list(batch[i].warnings),
            )
        )
    return results


__all__ = ["Analysis", "DuplicateIndex", "Item", "analyze", "as_item", "model_version"]
