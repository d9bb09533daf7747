"""Analysis benchmark: messages per second of the whole analysis (embedding, sentiment,
intents, spam, language, duplicates), beside the plain PyTorch fp32 encoder in the same run,
and the latency of analyzing one message.

    .venv/bin/python bench/analyze.py                 # 4,000 short posts
    .venv/bin/python bench/analyze.py --messages 1000

The texts are real short posts from the repository's data (the hutto tweets and Amazon review
snippets, and Sayso's own labelled messages), cycled to the count asked for. Each figure is
the best of ``--repeat`` rounds, and each round times them in turn, so a disturbance from
another process does not decide one figure or the ratio.

The analysis reads each text's features (the encoder's first layers); it computes a sentence
vector only for the meaning comparison, that is for an author who wrote more than once within
``DuplicateIndex.meaning_window``. The posts have no authors, so that figure is the analysis
of anonymous posts. A second figure gives the same posts a stream of authors, as ``sayso
analyze`` reads them (one duplicate history across batches): ``--authors`` people (default a
quarter of the posts, so about four posts each) over 30 days, so that about half of the posts
have another of their author's within three days and need their vector. Prints a table (and the load
average before the run: other work on the machine distorts every figure, see
docs/intelligence.md) and writes bench/results/analyze.json. Target: the whole analysis at
least 3x the plain fp32 encoder's rate (2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from sayso.intelligence.analysis import DuplicateIndex, analyze  # noqa: E402
from sayso.intelligence.analysis.duplicates import author_key  # noqa: E402
from sayso.intelligence.analysis.pipeline import as_item, meaning_candidates  # noqa: E402
from sayso.intelligence.embeddings import default_backend, embed  # noqa: E402
from sayso.intelligence.training import datasets  # noqa: E402

BATCH = 256  # what ``sayso analyze`` and the API use
TARGET_RATIO = 3.0


def posts(count: int) -> list[str]:
    texts = [r.text for r in datasets.hutto("tweets")]
    texts += [r.text for r in datasets.hutto("amazon")]
    texts += [r["text"] for r in datasets.intents()] + [r["text"] for r in datasets.spam()]
    order = np.random.default_rng(7).permutation(len(texts))
    return list(islice(cycle([texts[i] for i in order]), count))


def authored(texts: list[str], authors: int) -> list[dict[str, Any]]:
    """The posts as a stream in time order: each by one of ``authors`` people, at a random
    moment of 30 days."""
    rng = np.random.default_rng(11)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    moments = np.sort(rng.uniform(0, 30 * 86_400, len(texts)))
    who = rng.integers(0, max(1, authors), len(texts))
    return [
        {
            "text": text,
            "author": f"person {person}",
            "created_at": (start + timedelta(seconds=float(moment))).isoformat(),
        }
        for text, person, moment in zip(texts, who, moments, strict=True)
    ]


def as_stream(items: list[dict[str, Any]]) -> Callable[[], None]:
    """``analyze`` over the items in batches with one duplicate history, as the CLI runs."""

    def run() -> None:
        history = DuplicateIndex()
        for start in range(0, len(items), BATCH):
            analyze(items[start : start + BATCH], history=history)

    return run


def best_rates(works: dict[str, Callable[[], None]], count: int, repeat: int) -> dict[str, float]:
    """Each work's best rate over ``repeat`` rounds; every round runs each work once, in turn,
    so a disturbance from another process lasting a while slows all of them alike instead of
    deciding one figure (and the ratio)."""
    seconds: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeat):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            seconds[name].append(time.perf_counter() - started)
    return {name: count / min(values) for name, values in seconds.items()}


def in_batches(function: Callable[[list[str]], object], texts: list[str]) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(texts), BATCH):
            function(texts[start : start + BATCH])

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", type=int, default=200, help="one-message analyses timed")
    parser.add_argument(
        "--authors", type=int, default=None, help="authors of the stream (default: posts / 4)"
    )
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "analyze.json")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    texts = posts(args.messages)
    backend = default_backend()
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts):,} posts, {words:.0f} words on average; default backend {backend}")
    print("load average before the run: " + ", ".join(f"{x:.2f}" for x in load_before))

    # Load everything once, untimed.
    embed(texts[:8], backend="fp32")
    analyze(texts[:8])
    stream = authored(texts, args.authors if args.authors is not None else len(texts) // 4)

    rates = best_rates(
        {
            "fp32": in_batches(lambda b: embed(b, backend="fp32"), texts),
            "fast": in_batches(embed, texts),
            "whole": in_batches(analyze, texts),
            "authored": as_stream(stream),
        },
        len(texts),
        args.repeat,
    )
    fp32, fast, whole, authored_rate = (
        rates[name] for name in ("fp32", "fast", "whole", "authored")
    )
    # How many of the stream's posts needed their sentence vector.
    repeated = DuplicateIndex()
    vectors_needed = 0
    for start in range(0, len(stream), BATCH):
        batch = [as_item(item) for item in stream[start : start + BATCH]]
        people = [author_key(i.author, i.author_url, i.author_id) for i in batch]
        wanted, earlier = meaning_candidates(repeated, batch, people)
        vectors_needed += int(wanted.sum()) + len(earlier)
        analyze(batch, history=repeated)
    share = vectors_needed / len(stream)
    single_ms = []
    for text in texts[: args.single]:
        started = time.perf_counter()
        analyze([text])
        single_ms.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(single_ms, [50, 95])

    print(f"\n{'what':44} {'messages/s':>10} {'vs fp32 encoder':>15}")
    print(f"{'plain fp32 encoder (PyTorch, baseline)':44} {fp32:>10.0f} {1.0:>14.2f}x")
    print(f"{f'encoder, default backend ({backend})':44} {fast:>10.0f} {fast / fp32:>14.2f}x")
    print(f"{'whole analysis (default backend)':44} {whole:>10.0f} {whole / fp32:>14.2f}x")
    label = f"the same with authors ({share:.0%} need vectors)"
    print(f"{label:44} {authored_rate:>10.0f} {authored_rate / fp32:>14.2f}x")
    print(f"\none message, whole analysis: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    met = whole / fp32 >= TARGET_RATIO
    print(
        f"target: whole analysis ≥ {TARGET_RATIO:.0f}x the fp32 encoder:",
        "met" if met else "MISSED",
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                },
                "messages": len(texts),
                "backend": backend,
                "fp32_encoder_per_s": round(fp32, 1),
                "encoder_per_s": round(fast, 1),
                "analysis_per_s": round(whole, 1),
                "analysis_ratio": round(whole / fp32, 2),
                "authored_analysis_per_s": round(authored_rate, 1),
                "authored_analysis_ratio": round(authored_rate / fp32, 2),
                "authored_share_with_vectors": round(share, 3),
                "single_p50_ms": round(float(p50), 2),
                "single_p95_ms": round(float(p95), 2),
                "target_met": met,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
