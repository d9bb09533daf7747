"""The labelled data in ``sayso/intelligence/data/`` and its fixed train/test splits.

- ``intents.jsonl``: hand-written customer messages, ``intents`` (one or more labels),
  ``language`` and ``split``;
- ``spam.jsonl``: blog/community comments with ``author`` and ``author_url``, ``label``
  (spam/ham), ``kind`` and ``split``; ``kind == "copy"`` rows repeat an earlier comment of the
  same split under another author;
- ``review_sentences.tsv``: review sentences (restaurants, phones and accessories, services)
  written for Sayso, ``label`` (positive/negative/neutral) and ``text``: sentiment training
  only (the sentences the tests use are others, in ``tests/intelligence/data``);
- ``hutto/``: the human-rated tweets and Amazon review snippets of Hutto & Gilbert (2014),
  copied unchanged from the vaderSentiment 3.3.2 source distribution. The split is fixed by a
  hash of each row's id: 30% of rows are held out for evaluation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HUTTO_DIR = DATA_DIR / "hutto"
HUTTO_FILES = {
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
}
# Mean human rating (-4 … +4) to class: below -0.5 negative, above +0.5 positive.
NEGATIVE_BELOW = -0.5
POSITIVE_ABOVE = 0.5
HELD_OUT_PERCENT = 30


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def intents(split: str | None = None) -> list[dict[str, Any]]:
    rows = _jsonl(DATA_DIR / "intents.jsonl")
    return [r for r in rows if split is None or r["split"] == split]


def review_sentences() -> list[tuple[str, str]]:
    """(label, text) of ``review_sentences.tsv``: all of it is for training."""
    lines = (DATA_DIR / "review_sentences.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(label, text) for label, text in (line.split("\t", 1) for line in lines if line)]


def spam(split: str | None = None) -> list[dict[str, Any]]:
    rows = _jsonl(DATA_DIR / "spam.jsonl")
    return [r for r in rows if split is None or r["split"] == split]


@dataclass(frozen=True)
class Rated:
    id: str
    rating: float
    text: str
    split: str

    @property
    def label(self) -> str:
        if self.rating < NEGATIVE_BELOW:
            return "negative"
        if self.rating > POSITIVE_ABOVE:
            return "positive"
        return "neutral"


def hutto_split(source: str, row_id: str) -> str:
    digest = hashlib.sha256(f"{source}:{row_id}".encode()).digest()
    return "test" if int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT else "train"


def hutto(source: str, split: str | None = None) -> list[Rated]:
    path = HUTTO_DIR / HUTTO_FILES[source]
    rows = []
    # The files are CRLF text with a few bytes that are not UTF-8: read them as they are.
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3 or not parts[2].strip():
            continue
        row_id, rating, text = parts
        row = Rated(row_id, float(rating), text.strip(), hutto_split(source, row_id))
        if split is None or row.split == split:
            rows.append(row)
    return rows
