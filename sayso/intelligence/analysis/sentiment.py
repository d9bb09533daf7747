"""Sentiment: negative / neutral / positive with a score in [-1, 1].

VADER (a lexicon and rules, strong on short social text) gives four scores; a softmax head
on the sentence embedding plus those scores, trained on human-rated tweets and review
snippets (see ``training/train.py``), decides the class. The score is
``P(positive) - P(negative)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from sayso.intelligence.analysis.heads import LinearHead

LABELS = ("negative", "neutral", "positive")
FEATURES = ["vader_neg", "vader_neu", "vader_pos", "vader_compound"]
# VADER's own published thresholds on its compound score (the baseline's classes).
VADER_THRESHOLD = 0.05


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """``(n, 4)``: VADER's neg, neu, pos and compound scores."""
    analyzer = _vader()
    rows = []
    for text in texts:
        s = analyzer.polarity_scores(text[:5000])
        rows.append((s["neg"], s["neu"], s["pos"], s["compound"]))
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)


def vader_label(compound: float) -> str:
    if compound >= VADER_THRESHOLD:
        return "positive"
    if compound <= -VADER_THRESHOLD:
        return "negative"
    return "neutral"


def features(vader: np.ndarray) -> np.ndarray:
    return vader


def probabilities(head: LinearHead, embeddings: np.ndarray, vader: np.ndarray) -> np.ndarray:
    """``(n, 3)``: P(negative), P(neutral), P(positive)."""
    p = head.probabilities(np.hstack([embeddings, features(vader)]))
    return p[:, [head.classes.index(label) for label in LABELS]]


def decide(p: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Labels and scores in [-1, 1] from ``probabilities``."""
    labels = [LABELS[int(i)] for i in p.argmax(axis=1)]
    return labels, np.clip(p[:, 2] - p[:, 0], -1.0, 1.0)


def predict(
    head: LinearHead, embeddings: np.ndarray, vader: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Labels and scores in [-1, 1] for a batch."""
    return decide(probabilities(head, embeddings, vader))
