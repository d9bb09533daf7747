"""``analyze(items) -> list[Analysis]``: everything Sayso reads in a message, in one batch.

Each item has ``text`` and optionally ``author``, ``author_url`` and ``created_at`` (an item
is an ``Item`` or a mapping with those keys). All texts of a batch are embedded once with
``embed()``; the heads are a few matrix products on top; the rules are plain Python.

Duplicates are found against the earlier items of the batch and, when a ``DuplicateIndex``
is passed as ``history``, against everything it remembers (a stream, or a customer's earlier
messages). ``keys`` name the items in that index (default: their position in the batch plus
``history``'s offset); ``duplicate_of`` is such a key and reasons cite it as
"``{noun} #{key}``".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np

from sayso.intelligence.analysis import intents, language, sentiment, spam
from sayso.intelligence.analysis.duplicates import DuplicateIndex, Match, author_key
from sayso.intelligence.analysis.heads import load_head, model_version

MAX_EMBED_CHARS = 2000


@dataclass(frozen=True)
class Item:
    text: str
    author: str = ""
    author_url: str = ""
    created_at: datetime | None = None
    # A stable identity of the author when there is one (a customer id): better than a name.
    author_id: str = ""


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


def parse_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def as_item(value: Item | Mapping[str, Any] | str) -> Item:
    if isinstance(value, Item):
        return value
    if isinstance(value, str):
        return Item(text=value)
    created_at = parse_datetime(value.get("created_at"))
    if created_at is not None and created_at.tzinfo is None:
        created_at = None  # naive times cannot be compared with aware ones: ignore them
    return Item(
        text=str(value.get("text") or ""),
        author=str(value.get("author") or ""),
        author_url=str(value.get("author_url") or ""),
        created_at=created_at,
        author_id=str(value.get("author_id") or ""),
    )


@lru_cache(maxsize=1)
def _encoder_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sayso-encoder")


def embed_later(texts: Sequence[str]) -> Future[np.ndarray]:
    """Start embedding ``texts`` (as ``analyze`` embeds them) in the encoder's helper thread.
    Pass the future to ``analyze(embeddings=...)`` to keep the vectors as well: its word-level
    work still runs while the encoder does."""
    from sayso.intelligence.embeddings import embed

    return _encoder_thread().submit(embed, [t[:MAX_EMBED_CHARS] for t in texts])


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
    embeddings: np.ndarray | Future[np.ndarray] | None = None,
) -> list[Analysis]:
    """Analyze a batch. Pass ``history`` to find duplicates across batches (it is updated),
    ``embeddings`` when the texts' vectors are at hand (or coming: ``embed_later``)."""
    batch = [as_item(item) for item in items]
    if not batch:
        return []
    texts = [item.text for item in batch]
    if keys is None:
        start = len(history) if history is not None else 0
        keys = list(range(start, start + len(batch)))
    if len(keys) != len(batch):
        raise ValueError("keys and items differ in length")
    # The encoder runs in a helper thread (ONNX Runtime lets go of the GIL) while this one
    # does the work that needs only the words: VADER, languages, the spam signals.
    pending = embed_later(texts) if embeddings is None else embeddings
    vader = sentiment.vader_scores(texts)
    languages = language.detect_all(texts)
    spam_inputs = [spam.SpamInput(i.text, i.author, i.author_url) for i in batch]
    spam_features = spam.features(spam_inputs)
    vectors = np.asarray(pending.result() if isinstance(pending, Future) else pending)
    sentiment_p = sentiment.probabilities(load_head("sentiment"), vectors, vader)
    sentiment_labels, sentiment_scores = sentiment.decide(sentiment_p)
    intent_labels, intent_reasons = intents.predict(
        load_head("intents"), vectors, texts, vader, sentiment_p, competitors
    )

    index = history if history is not None else DuplicateIndex()
    matches: list[Match | None] = []
    copies: list[str | None] = []
    for key, item, vector in zip(keys, batch, vectors, strict=True):
        probe = index.probe(
            item.text,
            author=author_key(item.author, item.author_url, item.author_id),
            created_at=item.created_at,
            vector=vector,
        )
        match = index.match(probe)
        matches.append(match)
        copies.append(
            f"copies {noun} #{match.key} by another author"
            if match is not None and match.other_author
            else None
        )
        index.add(key, probe)

    verdicts = spam.predict(load_head("spam"), vectors, spam_inputs, copies, spam_features)
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
            )
        )
    return results


__all__ = ["Analysis", "DuplicateIndex", "Item", "analyze", "as_item", "model_version"]
