"""The spam model's reading of the words: character n-gram TF-IDF and a linear model.

Character n-grams (2 to 5 letters, within words, lower-cased) see spelling that word lists
miss ("FREE2DAY", "txt", "subscribe2", "0906…", "http://"): trained on real SMS and video
comments they give one number per text, the log-odds that its wording is spam's, which the
spam head (``analysis/spam.py``) weighs beside the transparent signals and the sentence
features. Stored as plain JSON in ``models/spam_text.json`` (vocabulary, idf, weights): no
pickle, the same numbers as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.analysis.heads import MODELS_DIR, ModelMissing

NAME = "spam_text"
ANALYZER = "char_wb"
NGRAM_RANGE = (2, 5)


def prepare(text: str) -> str:
    """The text as the n-grams see it: NFKC (full-width and styled letters as plain ones)."""
    return unicodedata.normalize("NFKC", text or "")


def vectorizer(vocabulary: dict[str, int] | None = None, **options: Any) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    common: dict[str, Any] = {
        "analyzer": ANALYZER,
        "ngram_range": NGRAM_RANGE,
        "lowercase": True,
        "dtype": np.float32,
    }
    if vocabulary is not None:
        return CountVectorizer(vocabulary=vocabulary, **common)
    return TfidfVectorizer(sublinear_tf=True, **common, **options)


@dataclass(frozen=True)
class TextModel:
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)

    def matrix(self, texts: Sequence[str]) -> Any:
        """The TF-IDF rows of ``texts`` (sparse, L2-normalized), as the model was trained."""
        from sklearn.preprocessing import normalize

        counts = _counter(self).transform([prepare(t) for t in texts]).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts.multiply(self.idf).tocsr())

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        scores = self.matrix(texts) @ self.coef + self.intercept
        return np.asarray(scores, dtype=np.float32).reshape(len(texts))

    def to_dict(self) -> dict[str, Any]:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "name": NAME,
            "analyzer": ANALYZER,
            "ngram_range": list(NGRAM_RANGE),
            "terms": terms,
            "idf": np.round(self.idf.astype(np.float64), 4).tolist(),
            "coef": np.round(self.coef.astype(np.float64), 4).tolist(),
            "intercept": round(float(self.intercept), 6),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextModel:
        return cls(
            vocabulary={term: i for i, term in enumerate(data["terms"])},
            idf=np.asarray(data["idf"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),
            meta=dict(data.get("meta", {})),
        )


_COUNTERS: dict[int, Any] = {}


def _counter(model: TextModel) -> Any:
    # A CountVectorizer with a fixed vocabulary needs no fitting; build it once per model.
    counter = _COUNTERS.get(id(model))
    if counter is None:
        counter = _COUNTERS[id(model)] = vectorizer(model.vocabulary)
    return counter


def fit_vectorizer(texts: Sequence[str], min_df: int = 2) -> tuple[Any, Any]:
    """The TF-IDF vocabulary and weights of ``texts``, and their matrix."""
    tfidf = vectorizer(min_df=min_df)
    return tfidf, tfidf.fit_transform([prepare(t) for t in texts])


def classifier(x: Any, labels: np.ndarray, c: float) -> Any:
    """A logistic regression on TF-IDF rows (balanced classes, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=0
    ).fit(x, labels)


def fit_on(tfidf: Any, x: Any, labels: np.ndarray, c: float) -> TextModel:
    model = classifier(x, labels, c)
    return TextModel(
        vocabulary={str(k): int(v) for k, v in tfidf.vocabulary_.items()},
        idf=tfidf.idf_.astype(np.float32),
        coef=model.coef_[0].astype(np.float32),
        intercept=float(model.intercept_[0]),
        meta={"rows": x.shape[0], "c": c, "min_df": tfidf.min_df},
    )


def fit(texts: Sequence[str], labels: np.ndarray, *, c: float, min_df: int = 2) -> TextModel:
    tfidf, x = fit_vectorizer(texts, min_df)
    return fit_on(tfidf, x, labels, c)


def path(directory: Path | None = None) -> Path:
    return (directory or MODELS_DIR) / f"{NAME}.json"


def save(model: TextModel, directory: Path | None = None) -> Path:
    target = path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(model.to_dict(), separators=(",", ":"), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return target


@lru_cache(maxsize=1)
def load() -> TextModel:
    source = path()
    if not source.exists():
        raise ModelMissing(
            f"No trained spam text model at {source}: run "
            "`python -m sayso.intelligence.training.train --only spam`."
        )
    return TextModel.from_dict(json.loads(source.read_text(encoding="utf-8")))
