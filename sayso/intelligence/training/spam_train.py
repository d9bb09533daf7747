"""Train and measure the spam model on real corpora plus Sayso's written comments.

    python -m sayso.intelligence.training.train --only spam [--embedding-cache DIR]

rebuilds ``analysis/models/spam.json`` (the head) and ``analysis/models/spam_text.json`` (the
wording model) from ``../shared/data/spam`` and ``data/spam*.jsonl``, deterministically (fixed
folds, deterministic solvers). ``bench/spam.py`` and the tests use ``fit`` and ``measure`` to
train without one source and measure on it.

Two stages, so that the head learns how far to trust the wording on text it has not seen:
1. the wording model (character n-gram TF-IDF + logistic regression) gives each training row
   an out-of-fold log-odds (``folds``: a video's comments are scored by a model that never
   saw that video, as Sayso meets other videos; one vocabulary);
2. the head, a logistic regression over [sentence features, signals, that log-odds], held
   from ``THRESHOLD`` (the decisive rules and the floors of ``spam.decide`` apply on top).
Each kind of source (SMS, YouTube, written comments) weighs the same in the head
(``source_weights``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.analysis import spam, spam_text
from sayso.intelligence.analysis.heads import LinearHead
from sayso.intelligence.training import spam_corpora
from sayso.intelligence.training.spam_corpora import Labelled

SEED = 20261207
FOLDS = 5
TEXT_C = 10.0
HEAD_C = 0.1
# Handcrafted columns count this many times more than one sentence dimension.
HANDCRAFTED_WEIGHT = 3.0
# The head's threshold, the same for every training set. It used to be the best out-of-fold
# F0.5 on a grid, but that curve is flat (within 0.005 from 0.6 to 0.95 on every
# leave-one-source-out split), so the pick followed a handful of rows: adding 130 written
# discussion comments moved it from 0.85 to 0.925 on one split and from 0.95 to 0.675 on
# another. Held at fixed thresholds, every split met its target from 0.80 to 0.90; this is the
# precision end of that range (docs/intelligence.md, "What changed at night").
THRESHOLD = 0.90


@dataclass(frozen=True)
class SpamModel:
    text: spam_text.TextModel
    head: LinearHead


def inputs(rows: Sequence[Labelled]) -> list[spam.SpamInput]:
    return [spam.SpamInput(r.text, r.author, r.author_url) for r in rows]


def labels(rows: Sequence[Labelled]) -> np.ndarray:
    return np.asarray([int(r.spam) for r in rows])


def sentence_features(rows: Sequence[Labelled], cache: Path | None = None) -> np.ndarray:
    from sayso.intelligence.training.vectors import feature_texts

    return feature_texts([r.text for r in rows], cache)


def folds(rows: Sequence[Labelled]) -> list[np.ndarray]:
    """Folds that mirror how the model is measured: a video is never split (Sayso meets other
    videos' comments, never these), one video per fold; SMS and written comments are dealt
    at random (the unseen SMS come from the same collection)."""
    videos = sorted({r.source for r in rows if r.source.startswith("youtube:")})
    order = np.random.default_rng(SEED).permutation(len(rows))
    fold_of = np.zeros(len(rows), dtype=int)
    for position, i in enumerate(order):
        source = rows[i].source
        fold_of[i] = videos.index(source) % FOLDS if source in videos else position % FOLDS
    return [np.flatnonzero(fold_of == k) for k in range(FOLDS)]


def wording_model(rows: Sequence[Labelled]) -> tuple[spam_text.TextModel, np.ndarray]:
    """The wording model of ``rows`` and each row's out-of-fold log-odds (the vocabulary
    and idf, which read no label, are computed once on all of them)."""
    texts, y = [r.text for r in rows], labels(rows)
    tfidf, x = spam_text.fit_vectorizer(texts)
    out = np.zeros(len(texts), dtype=np.float32)
    for held in folds(rows):
        keep = np.setdiff1d(np.arange(len(texts)), held)
        out[held] = spam_text.classifier(x[keep], y[keep], TEXT_C).decision_function(x[held])
    return spam_text.fit_on(tfidf, x, y, TEXT_C), out


def _standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    scale[-len(spam.FEATURES) :] /= HANDCRAFTED_WEIGHT
    return mean.astype(np.float32), scale.astype(np.float32)


def source_weights(rows: Sequence[Labelled]) -> np.ndarray:
    """Each row's weight in the head and its threshold: each kind of source (SMS, YouTube
    comments, blog comments written here) weighs the same in all, so that the 4,456 SMS do
    not teach the head more than the comments Sayso mostly receives. The weights average 1."""
    family = [r.source.split(":")[0] for r in rows]  # "youtube:Psy", "written:thread"
    counts = Counter(family)
    return np.asarray([len(rows) / (len(counts) * counts[f]) for f in family])


def _logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=HEAD_C, class_weight="balanced", max_iter=5000, solver="lbfgs", random_state=SEED
    ).fit(x, y, sample_weight=weight)


def fit(rows: Sequence[Labelled], sentence: np.ndarray, *, trained_on: str = "") -> SpamModel:
    """The wording model and the head, trained on ``rows`` (``sentence``: their features)."""
    y = labels(rows)
    text, wording = wording_model(rows)
    handcrafted, _ = spam.features(inputs(rows), wording=wording)
    x = np.hstack([sentence, handcrafted])
    weight = source_weights(rows)
    mean, scale = _standardize(x)
    model = _logistic((x - mean) / scale, y, weight)
    head = LinearHead(
        name="spam",
        kind="sigmoid",
        classes=["spam"],
        features=list(spam.FEATURES),
        mean=mean,
        scale=scale,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        thresholds={"spam": THRESHOLD},
        meta={"trained_on": trained_on, "rows": len(rows), "spam_rows": int(y.sum())},
    )
    return SpamModel(text, head)


def verdicts(
    model: SpamModel, rows: Sequence[Labelled], sentence: np.ndarray
) -> list[spam.SpamVerdict]:
    items = inputs(rows)
    precomputed = spam.features(items, wording=model.text.logits([r.text for r in rows]))
    return spam.predict(model.head, sentence, items, precomputed=precomputed)


def prf(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(not g and p for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "spam": tp + fn,
        "ham": sum(not g for g in gold),
        "false_alarms": fp,
    }


def measure(model: SpamModel, rows: Sequence[Labelled], sentence: np.ndarray) -> dict[str, float]:
    found = verdicts(model, rows, sentence)
    return prf([r.spam for r in rows], [v.is_spam for v in found])


def train_shipped(cache: Path | None = None) -> SpamModel:
    """The shipped model: every real corpus and every written comment."""
    if not spam_corpora.available():
        raise SystemExit(
            f"The spam corpora are not at {spam_corpora.spam_dir()} (set SAYSO_SHARED_DATA)."
        )
    rows = spam_corpora.everything()
    return fit(
        rows,
        sentence_features(rows, cache),
        trained_on="YouTube Spam Collection (4 videos), SMS Spam Collection (sms-train.tsv), "
        "spam.jsonl, spam_written.jsonl and spam_discussion.jsonl (written for Sayso)",
    )
