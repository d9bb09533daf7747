"""Evaluate the analysis on the held-out splits and print the figures for the docs.

    python -m sayso.intelligence.training.evaluate [--embedding-cache DIR]

Everything goes through ``analyze()`` as shipped (rules and heads together), except the
"classifier only" spam line and the VADER baseline, printed beside it for comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sayso.intelligence.analysis import analyze, intents, sentiment, spam
from sayso.intelligence.analysis.heads import load_head, model_version
from sayso.intelligence.analysis.language import detect_all
from sayso.intelligence.embeddings import Encoding
from sayso.intelligence.training import datasets
from sayso.intelligence.training.vectors import encode_texts, feature_texts

# The competitors an organization in these data sets would configure.
COMPETITORS = [
    "U-Haul", "Penske", "Budget", "Enterprise", "Ryder", "Sixt", "Europcar", "Zendesk",
    "Freshdesk", "Freshworks", "Intercom", "HubSpot", "Salesforce", "Help Scout", "Zoho Desk",
    "Gorgias", "Front", "Kustomer", "Gladly", "Kayako", "Verizon", "T-Mobile", "AT&T",
    "Vodafone", "Movistar", "Orange", "Free", "Telekom", "Vivo", "Fastweb", "Three", "Sky",
    "BT", "Comcast", "Google Fi", "Mint Mobile", "Amazon", "Walmart", "Target", "IKEA",
    "Best Buy", "Aldi", "Lidl", "Coolblue", "Chase", "Revolut", "Monzo",
]  # fmt: skip


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(_prf(tp, fp, fn)[2])
    return float(np.mean(scores))


def evaluate_sentiment(cache: Path | None) -> dict[str, Any]:
    head = load_head("sentiment")
    results: dict[str, Any] = {}
    for source in ("tweets", "amazon"):
        rows = datasets.hutto(source, "test")
        texts = [r.text for r in rows]
        gold = [r.label for r in rows]
        vader = sentiment.vader_scores(texts)
        ours, _ = sentiment.predict(head, feature_texts(texts, cache), vader)
        baseline = [sentiment.vader_label(float(c)) for c in vader[:, 3]]
        labels = sentiment.LABELS
        results[source] = {
            "n": len(rows),
            "distribution": dict(Counter(gold)),
            "ours_macro_f1": macro_f1(gold, ours, labels),
            "vader_macro_f1": macro_f1(gold, baseline, labels),
            "ours_accuracy": float(np.mean([g == p for g, p in zip(gold, ours, strict=True)])),
            "vader_accuracy": float(np.mean([g == p for g, p in zip(gold, baseline, strict=True)])),
        }
    return results


def evaluate_intents(cache: Path | None) -> dict[str, Any]:
    rows = datasets.intents("test")
    texts = [r["text"] for r in rows]
    features = feature_texts(texts, cache)
    out: dict[str, Any] = {"n": len(rows)}
    for setting, competitors in (("generic", []), ("with_competitor_list", COMPETITORS)):
        # Each message on its own (no duplicate detection across the test set).
        predicted = [
            analyze([text], competitors=competitors, encoding=Encoding(None, features[i : i + 1]))[
                0
            ].intents
            for i, text in enumerate(texts)
        ]
        per_label = {}
        for label in intents.ALL_LABELS:
            tp = sum(
                label in r["intents"] and label in p for r, p in zip(rows, predicted, strict=True)
            )
            fp = sum(
                label not in r["intents"] and label in p
                for r, p in zip(rows, predicted, strict=True)
            )
            fn = sum(
                label in r["intents"] and label not in p
                for r, p in zip(rows, predicted, strict=True)
            )
            per_label[label] = (*_prf(tp, fp, fn), tp + fn)
        out[setting] = per_label
    languages = detect_all([r["text"] for r in datasets.intents()])
    gold_languages = [r["language"] for r in datasets.intents()]
    out["language_accuracy"] = float(
        np.mean([g == p for g, p in zip(gold_languages, languages, strict=True)])
    )
    out["language_n"] = len(gold_languages)
    return out


def evaluate_spam(cache: Path | None) -> dict[str, Any]:
    rows = datasets.spam("test")
    texts = [r["text"] for r in rows]
    encoded = encode_texts(texts, cache)
    # The whole held-out thread as one batch, in order: copies follow their originals.
    results = analyze(
        [{"text": r["text"], "author": r["author"], "author_url": r["author_url"]} for r in rows],
        encoding=encoded,
    )
    gold = [r["label"] == "spam" for r in rows]
    predicted = [a.is_spam for a in results]
    head = load_head("spam")
    handcrafted, _ = spam.features(
        [spam.SpamInput(r["text"], r["author"], r["author_url"]) for r in rows]
    )
    x = np.hstack([np.asarray(encoded.features), handcrafted])
    classifier = head.probabilities(x)[:, 0] >= head.thresholds.get("spam", 0.5)

    def score(pred: Sequence[bool]) -> tuple[float, float, float]:
        tp = sum(g and p for g, p in zip(gold, pred, strict=True))
        fp = sum(not g and p for g, p in zip(gold, pred, strict=True))
        fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
        return _prf(tp, fp, fn)

    mistakes = [
        {"kind": r["kind"], "label": r["label"], "author": r["author"], "text": r["text"][:80],
         "spam": a.spam, "reasons": a.reasons}
        for r, a, g, p in zip(rows, results, gold, predicted, strict=True)
        if g != p
    ]  # fmt: skip
    return {
        "n": len(rows),
        "spam_n": sum(gold),
        "ham_n": len(gold) - sum(gold),
        "shipped": score(predicted),
        "classifier_only": score([bool(c) for c in classifier]),
        "mistakes": mistakes,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedding-cache", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    from sayso.intelligence.embeddings import default_backend

    print(f"model version {model_version()}, embedding backend {default_backend()}")
    s = evaluate_sentiment(args.embedding_cache)
    print("\nSentiment (held-out 30% of the hutto data; rating < -0.5 neg, > 0.5 pos):")
    print(
        f"  {'set':8} {'n':>5}  {'ours macro-F1':>13}  {'VADER macro-F1':>14}  ours acc  VADER acc"
    )
    for source, r in s.items():
        print(
            f"  {source:8} {r['n']:>5}  {r['ours_macro_f1']:>13.3f}  {r['vader_macro_f1']:>14.3f}"
            f"  {r['ours_accuracy']:>8.3f}  {r['vader_accuracy']:>9.3f}"
        )
    i = evaluate_intents(args.embedding_cache)
    for setting in ("generic", "with_competitor_list"):
        title = "no competitor list" if setting == "generic" else "with the competitor list"
        print(f"\nIntents (held-out split, n={i['n']}, {title}):")
        print(f"  {'label':20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        f1s = []
        for label, (p, r, f, support) in i[setting].items():
            f1s.append(f)
            print(f"  {label:20} {p:>9.3f} {r:>7.3f} {f:>6.3f} {support:>8}")
        print(f"  {'macro':20} {'':>9} {'':>7} {np.mean(f1s):>6.3f}")
    print(f"\nLanguage: accuracy {i['language_accuracy']:.3f} on {i['language_n']} intent rows")
    sp = evaluate_spam(args.embedding_cache)
    print(f"\nSpam (held-out split as one thread: {sp['spam_n']} spam, {sp['ham_n']} ham):")
    for name in ("shipped", "classifier_only"):
        p, r, f = sp[name]
        label = "rules + classifier" if name == "shipped" else "classifier alone"
        print(f"  {label:20} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    for m in sp["mistakes"]:
        print(f"  miss: {m}")
    print(f"\nevaluated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
