"""Intents (several may apply): complaint, praise, question, idea, purchase_intent,
competitor_mention; ``other`` when none does.

One sigmoid head per label on the sentence embedding plus the phrasing signals below, each
with its own threshold chosen by cross-validation on the training split. Competitor names
configured for the organization (``competitors=[...]``) are matched as whole words and always
make ``competitor_mention``, with the name as the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from sayso.intelligence.analysis import signals
from sayso.intelligence.analysis.heads import LinearHead

LABELS = (
    "complaint",
    "praise",
    "question",
    "idea",
    "purchase_intent",
    "competitor_mention",
)
OTHER = "other"
ALL_LABELS = (*LABELS, OTHER)
FEATURES = [
    "question_mark",
    "question_start",
    "purchase_phrase",
    "competitor_phrase",
    "brand_verb",
    "idea_phrase",
    "vader_compound",
    "vader_neg",
    "vader_pos",
    "log_words",
    "exclamation",
    "sentiment_negative",
    "sentiment_positive",
    "complaint_words",
    "praise_words",
]
COMPLAINT_WORDS = re.compile(
    r"\b(still|never|again|charged|waiting|wait(ed)?|broken|broke|late|refund|nobody|no one"
    r"|useless|terrible|awful|worst|disappoint\w*|frustrat\w*|ridiculous|unacceptable|crash\w*"
    r"|fail\w*|wrong|damaged|missing|lost|rude|no reply|not (working|happy|ok)|doesn'?t work"
    r"|didn'?t|won'?t|can'?t|hours?|days?|weeks?|third time|twice)\b",
    re.I,
)
PRAISE_WORDS = re.compile(
    r"\b(thanks?|thank you|merci|gracias|danke|grazie|obrigad\w|bedankt|appreciat\w*|love"
    r"|great|excellent|amazing|awesome|fantastic|brilliant|best|kudos|shout-?out|impressed"
    r"|perfect|smooth|happy|glad|well done|legend|rock|5 stars|five stars|10/10|a\+)\b",
    re.I,
)


def features(texts: Sequence[str], vader: np.ndarray, sentiment: np.ndarray) -> np.ndarray:
    """``sentiment``: the sentiment head's ``(n, 3)`` probabilities (negative, neutral,
    positive)."""
    rows = []
    for text, (neg, _neu, pos, compound), (s_neg, _s_neu, s_pos) in zip(
        texts, vader, sentiment, strict=True
    ):
        rows.append(
            (
                float("?" in text),
                float(bool(signals.QUESTION_START.search(text))),
                float(bool(signals.PURCHASE.search(text))),
                float(bool(signals.COMPETITOR.search(text))),
                float(bool(signals.BRAND_VERB.search(text))),
                float(bool(signals.IDEA.search(text))),
                compound,
                neg,
                pos,
                math.log1p(len(signals.words(text))),
                float("!" in text),
                s_neg,
                s_pos,
                float(len(COMPLAINT_WORDS.findall(text))),
                float(len(PRAISE_WORDS.findall(text))),
            )
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(FEATURES))


def competitor_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(name) for name in cleaned)
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)


def _purchase_reason(text: str) -> str:
    """ "wants to buy: “need 40 seats by March”": the phrase that says so, a few words long."""
    match = signals.PURCHASE.search(text)
    if match is None:
        return "wants to buy"
    phrase = " ".join(text[match.start() :].split()[:6]).rstrip(".,;:!?")
    return f"wants to buy: “{phrase}”"


def predict(
    head: LinearHead,
    embeddings: np.ndarray,
    texts: Sequence[str],
    vader: np.ndarray,
    sentiment: np.ndarray,
    competitors: Sequence[str] = (),
) -> tuple[list[list[str]], list[list[str]]]:
    """Labels and reasons per text."""
    x = np.hstack([embeddings, features(texts, vader, sentiment)])
    p = head.probabilities(x)
    pattern = competitor_pattern(competitors)
    all_labels: list[list[str]] = []
    all_reasons: list[list[str]] = []
    for row, text in zip(p, texts, strict=True):
        labels = [
            label
            for i, label in enumerate(head.classes)
            if row[i] >= head.thresholds.get(label, 0.5)
        ]
        reasons: list[str] = []
        named = sorted({m.group(1) for m in pattern.finditer(text)}) if pattern else []
        if named:
            if "competitor_mention" not in labels:
                labels.append("competitor_mention")
            reasons.append("mentions " + ", ".join(named))
        if "purchase_intent" in labels:
            reasons.append(_purchase_reason(text))
        labels = [label for label in LABELS if label in labels] or [OTHER]
        all_labels.append(labels)
        all_reasons.append(reasons)
    return all_labels, all_reasons
