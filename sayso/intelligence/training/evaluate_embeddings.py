"""How close the fast embedding path is to the fp32 reference, and how fast each one is.

    python -m sayso.intelligence.training.evaluate_embeddings [--backend int8] [--limit N]

For each evaluation set, both backends embed every text; the figures are the cosine between
the two vectors of each text (mean, 1st percentile, minimum) and recall@10: for every text,
the share of its ten nearest neighbours under fp32 (cosine, within the set, itself excluded)
that are also among its ten nearest under the fast backend.

Sets: the repository's Sayso messages (intent and spam data, less the texts used to calibrate
the int8 model), and the hutto tweets and Amazon review snippets.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sayso.intelligence.training import datasets


@dataclass(frozen=True)
class Agreement:
    n: int
    cosine_mean: float
    cosine_p1: float
    cosine_min: float
    recall_at_10: float


def sayso_messages() -> list[str]:
    from sayso.intelligence.embeddings.int8 import calibration_texts

    calibration = set(calibration_texts())
    texts = [r["text"] for r in datasets.intents()] + [r["text"] for r in datasets.spam()]
    return list(dict.fromkeys(t for t in texts if t not in calibration))


def evaluation_sets(limit: int | None = None) -> dict[str, list[str]]:
    sets = {
        "sayso-messages": sayso_messages(),
        "hutto-tweets": [r.text for r in datasets.hutto("tweets")],
        "hutto-amazon": [r.text for r in datasets.hutto("amazon")],
    }
    return {name: texts[:limit] if limit else texts for name, texts in sets.items()}


def neighbours(vectors: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's ``k`` nearest other rows by cosine (rows are unit length)."""
    out = np.empty((len(vectors), k), dtype=np.int64)
    for start in range(0, len(vectors), 1024):
        scores = vectors[start : start + 1024] @ vectors.T
        rows = np.arange(scores.shape[0])
        scores[rows, rows + start] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start : start + scores.shape[0]] = np.take_along_axis(top, order, axis=1)
    return out


def agreement(reference: np.ndarray, candidate: np.ndarray, k: int = 10) -> Agreement:
    cosine = np.sum(reference * candidate, axis=1)
    expected, found = neighbours(reference, k), neighbours(candidate, k)
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(expected, found, strict=True)])
    return Agreement(
        n=len(reference),
        cosine_mean=float(cosine.mean()),
        cosine_p1=float(np.percentile(cosine, 1)),
        cosine_min=float(cosine.min()),
        recall_at_10=float(recall),
    )


def main(argv: Sequence[str] | None = None, out: Any = sys.stdout) -> int:
    from sayso.intelligence.embeddings import embed

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="int8")
    parser.add_argument("--limit", type=int, default=None, help="texts per set")
    args = parser.parse_args(argv)
    embed(["warm up"], backend="fp32")
    embed(["warm up"], backend=args.backend)
    print(
        f"{'set':16} {'n':>5}  {'cos mean':>8} {'cos p1':>7} {'cos min':>7}  {'recall@10':>9}"
        f"  {'fp32/s':>7} {args.backend + '/s':>8}",
        file=out,
    )
    for name, texts in evaluation_sets(args.limit).items():
        started = time.perf_counter()
        reference = embed(texts, backend="fp32")
        reference_rate = len(texts) / (time.perf_counter() - started)
        started = time.perf_counter()
        candidate = embed(texts, backend=args.backend)
        rate = len(texts) / (time.perf_counter() - started)
        a = agreement(reference, candidate)
        print(
            f"{name:16} {a.n:>5}  {a.cosine_mean:>8.4f} {a.cosine_p1:>7.4f} {a.cosine_min:>7.4f}"
            f"  {a.recall_at_10:>9.3f}  {reference_rate:>7.0f} {rate:>8.0f}",
            file=out,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
