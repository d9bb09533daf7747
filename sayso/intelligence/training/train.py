"""Train the analysis heads from the data in the repository, reproducibly.

    python -m sayso.intelligence.training.train [--embedding-cache DIR]

Writes ``sayso/intelligence/analysis/models/{sentiment,intents,spam}.json``. Only the
``train`` split of each data set is read; the held-out ``test`` split is for ``evaluate``.
Fixed seeds and deterministic solvers: the same data and embeddings give the same files.

- sentiment: softmax regression on [embedding, VADER scores], trained on the training part
  of the hutto tweets and Amazon review snippets (mean rating < -0.5 negative, > 0.5
  positive, else neutral) and the review sentences written for Sayso
  (``review_sentences.tsv``: plain statements of a good or bad meal, phone or service, which
  the hutto data alone left to VADER's word list);
- intents: one logistic regression per label on [embedding, phrasing signals], trained on
  ``intents.jsonl``; each label's threshold maximizes its F1 on out-of-fold predictions;
- spam: a character n-gram wording model and a logistic regression on [embedding, spam
  signals, wording], trained on the real corpora in ``../shared/data/spam`` and the written
  comments (``spam_train``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.analysis import intents, sentiment
from sayso.intelligence.analysis.heads import MODELS_DIR, LinearHead, load_head, save_head
from sayso.intelligence.training import datasets
from sayso.intelligence.training.vectors import feature_texts

SEED = 20240531
SENTIMENT_C = 0.05
# Each written review sentence counts as this many hutto rows: 340 plain statements against
# 5,435 tweets and snippets would hardly move the head otherwise.
REVIEW_WEIGHT = 3.0
INTENT_C = 0.03
SPAM_C = 0.1
FOLDS = 5
# Handcrafted features count this many times more than one embedding dimension: their
# standardized values are multiplied by it (a weaker penalty on few, strong signals).
HANDCRAFTED_WEIGHT = 3.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _standardize(x: np.ndarray, handcrafted: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of each column; the last ``handcrafted`` columns are weighted up."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    if handcrafted:
        scale[-handcrafted:] /= HANDCRAFTED_WEIGHT
    return mean.astype(np.float32), scale.astype(np.float32)


def _logistic(c: float, balanced: bool = True) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c,
        class_weight="balanced" if balanced else None,
        max_iter=5000,
        solver="lbfgs",
        random_state=SEED,
    )


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold (0.2 … 0.8) with the best F1 on out-of-fold probabilities; ties go to
    the higher threshold (fewer false alarms)."""
    best = (-1.0, 0.5)
    for t in np.round(np.arange(0.2, 0.801, 0.025), 3):
        predicted = p >= t
        tp = float((predicted & (y == 1)).sum())
        fp = float((predicted & (y == 0)).sum())
        fn = float((~predicted & (y == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 >= best[0]:
            best = (f1, float(t))
    return best[1]


def train_sentiment(cache: Path | None) -> LinearHead:
    rows = [r for source in ("tweets", "amazon") for r in datasets.hutto(source, "train")]
    reviews = datasets.review_sentences()
    texts = [r.text for r in rows]
    review_texts = [text for _, text in reviews]
    _log(f"sentiment: embedding {len(texts) + len(reviews)} training texts")
    embedded = np.vstack([feature_texts(texts, cache), feature_texts(review_texts, cache)])
    texts += review_texts
    x = np.hstack([embedded, sentiment.features(sentiment.vader_scores(texts))])
    y = np.asarray([r.label for r in rows] + [label for label, _ in reviews])
    mean, scale = _standardize(x)
    weight = np.asarray([1.0] * len(rows) + [REVIEW_WEIGHT] * len(reviews))
    model = _logistic(SENTIMENT_C).fit((x - mean) / scale, y, sample_weight=weight)
    return LinearHead(
        name="sentiment",
        kind="softmax",
        classes=[str(c) for c in model.classes_],
        features=sentiment.FEATURES,
        mean=mean,
        scale=scale,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        meta={
            "trained_on": "hutto tweets + amazon snippets, train split; review_sentences.tsv",
            "rows": len(texts),
        },
    )


def _folds(n: int) -> list[np.ndarray]:
    order = np.random.default_rng(SEED).permutation(n)
    return [order[i::FOLDS] for i in range(FOLDS)]


def _fit_sigmoid_heads(
    x: np.ndarray, targets: dict[str, np.ndarray], c: float, handcrafted: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    mean, scale = _standardize(x, handcrafted)
    z = (x - mean) / scale
    coefs, intercepts, thresholds = [], [], {}
    folds = _folds(len(x))
    for label, y in targets.items():
        oof = np.zeros(len(x))
        for held in folds:
            keep = np.setdiff1d(np.arange(len(x)), held)
            # Scale within the fold too, so the threshold sees honest probabilities.
            m, s = _standardize(x[keep], handcrafted)
            model = _logistic(c).fit((x[keep] - m) / s, y[keep])
            oof[held] = model.predict_proba((x[held] - m) / s)[:, 1]
        thresholds[label] = _best_threshold(y, oof)
        model = _logistic(c).fit(z, y)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return (
        mean,
        scale,
        np.asarray(coefs, dtype=np.float32),
        np.asarray(intercepts, dtype=np.float32),
        thresholds,
    )


def train_intents(cache: Path | None, sentiment_head: LinearHead) -> LinearHead:
    rows = datasets.intents("train")
    texts = [r["text"] for r in rows]
    _log(f"intents: embedding {len(texts)} training texts")
    vader = sentiment.vader_scores(texts)
    features = feature_texts(texts, cache)
    sentiment_p = sentiment.probabilities(sentiment_head, features, vader)
    handcrafted = intents.features(texts, vader, sentiment_p)
    x = np.hstack([features, handcrafted])
    targets = {
        label: np.asarray([int(label in r["intents"]) for r in rows]) for label in intents.LABELS
    }
    mean, scale, coef, intercept, thresholds = _fit_sigmoid_heads(
        x, targets, INTENT_C, handcrafted.shape[1]
    )
    return LinearHead(
        name="intents",
        kind="sigmoid",
        classes=list(intents.LABELS),
        features=intents.FEATURES,
        mean=mean,
        scale=scale,
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        meta={"trained_on": "intents.jsonl, train split", "rows": len(rows)},
    )


def train_spam(cache: Path | None, out: Path) -> LinearHead:
    """The wording model (written here) and the spam head (returned): see ``spam_train``."""
    from sayso.intelligence.analysis import spam_text
    from sayso.intelligence.training import spam_train

    _log("spam: training on ../shared/data/spam and the written comments")
    model = spam_train.train_shipped(cache)
    path = spam_text.save(model.text, out)
    _log(f"spam: wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return model.head


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedding-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--only", choices=["sentiment", "intents", "spam"], action="append")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    wanted = set(args.only or ["sentiment", "intents", "spam"])
    cache = args.embedding_cache
    # The intents head reads the sentiment head's output: train that first, or load it.
    sentiment_head = train_sentiment(cache) if "sentiment" in wanted else load_head("sentiment")
    heads = [sentiment_head] if "sentiment" in wanted else []
    if "intents" in wanted:
        heads.append(train_intents(cache, sentiment_head))
    if "spam" in wanted:
        heads.append(train_spam(cache, args.out))
    for head in heads:
        path = save_head(head, args.out)
        _log(f"{head.name}: wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    _log(f"trained in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
