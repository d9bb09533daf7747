"""Similar-item search benchmark: recall@10 and latency of Sayso's embedded index at 100,000
and 1,000,000 items of 384 dimensions, beside exact search over the same items in the same run.

For each size it draws sentence-embedding-like unit vectors (``similar_data``), builds the
snapshot Sayso would write for that many items (an HNSW graph with int8 vectors, usearch, the
settings of ``sayso.intelligence.index.snapshot``), saves it and maps it back from disk as the
web server does, then asks single queries one at a time:

- ``exact``: ``ExactSnapshot.search`` (numpy brute force over the float32 matrix), the baseline
  and the ground truth;
- ``hnsw``: ``UsearchSnapshot.search`` on the memory-mapped file.

    .venv/bin/python bench/similar.py                     # 100k and 1M
    .venv/bin/python bench/similar.py --sizes 100000      # one size
    .venv/bin/python bench/similar.py --quick             # 20k and 100k, fewer queries

Prints recall@10, p50/p95 per query, the p95 ratio exact/hnsw and the targets (recall@10 ≥
0.95, p95 < 20 ms at 1M); writes bench/results/similar.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from similar_data import dataset, exact_neighbours  # noqa: E402
from tqdm import tqdm  # noqa: E402

from sayso.intelligence.index.snapshot import (  # noqa: E402
    USEARCH_CONNECTIVITY,
    USEARCH_DTYPE,
    USEARCH_EXPANSION_SEARCH,
    ExactSnapshot,
    SnapshotStore,
    new_usearch_index,
    usearch_threads,
)

K = 10
TARGET_RECALL = 0.95
TARGET_P95_MS = 20.0
EXACT_QUERIES_MAX = 200  # exact search at 1M takes long: it is timed on this many queries


@dataclass
class SizeResult:
    items: int
    queries: int
    build_seconds: float
    file_mb: float
    recall_at_10: float
    hnsw_p50_ms: float
    hnsw_p95_ms: float
    exact_p50_ms: float
    exact_p95_ms: float
    p95_ratio_exact_to_hnsw: float
    target_met: bool


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples), q))


def build(items: np.ndarray, directory: Path) -> tuple[object, float, float]:
    """Build, save and map the HNSW snapshot; returns (snapshot, seconds, file MB)."""
    index = new_usearch_index()
    ids = np.arange(1, len(items) + 1, dtype=np.uint64)
    started = time.perf_counter()
    chunk = 10_000
    with tqdm(total=len(items), desc="  building HNSW", unit="item", file=sys.stderr) as bar:
        for start in range(0, len(items), chunk):
            stop = min(len(items), start + chunk)
            index.add(ids[start:stop], items[start:stop], threads=usearch_threads())
            bar.update(stop - start)
    store = SnapshotStore(directory)
    with store.writing("bench"):
        marker = store.write_usearch("bench", index=index, generation=1)
    seconds = time.perf_counter() - started
    del index
    snapshot = store.load(marker)
    return snapshot, seconds, store.size_on_disk(marker) / 1e6


def run_size(n: int, queries: int, seed: int) -> SizeResult:
    print(f"\n{n:,} items, {queries} queries", file=sys.stderr)
    started = time.perf_counter()
    items, probes = dataset(n, queries, seed=seed)
    print(f"  drew the vectors in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    truth = exact_neighbours(items, probes, K)
    exact = ExactSnapshot(np.arange(1, n + 1, dtype=np.int64), items, generation=1)
    with tempfile.TemporaryDirectory(prefix="sayso-similar-") as directory:
        snapshot, build_seconds, file_mb = build(items, Path(directory))
        for probe in probes[:20]:  # warm the mapped pages and caches
            snapshot.search(probe, K)  # type: ignore[attr-defined]
        hnsw_ms, hits = [], 0
        for probe, expected in zip(probes, truth, strict=True):
            t = time.perf_counter()
            found, _scores = snapshot.search(probe, K)  # type: ignore[attr-defined]
            hnsw_ms.append((time.perf_counter() - t) * 1000)
            hits += len(set((found - 1).tolist()) & set(expected.tolist()))
        del snapshot
    exact_ms = []
    for probe in probes[: min(queries, EXACT_QUERIES_MAX)]:
        t = time.perf_counter()
        exact.search(probe, K)
        exact_ms.append((time.perf_counter() - t) * 1000)
    recall = hits / (K * queries)
    hnsw_p95, exact_p95 = percentile(hnsw_ms, 95), percentile(exact_ms, 95)
    return SizeResult(
        items=n,
        queries=queries,
        build_seconds=round(build_seconds, 1),
        file_mb=round(file_mb, 1),
        recall_at_10=round(recall, 4),
        hnsw_p50_ms=round(percentile(hnsw_ms, 50), 3),
        hnsw_p95_ms=round(hnsw_p95, 3),
        exact_p50_ms=round(percentile(exact_ms, 50), 3),
        exact_p95_ms=round(exact_p95, 3),
        p95_ratio_exact_to_hnsw=round(exact_p95 / hnsw_p95, 1),
        target_met=recall >= TARGET_RECALL and hnsw_p95 < TARGET_P95_MS,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="20k and 100k items, 300 queries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "similar.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.queries = [20_000, 100_000], 300
    results = [run_size(n, args.queries, args.seed) for n in args.sizes]
    print(
        f"\nHNSW (usearch, {USEARCH_DTYPE}, M={USEARCH_CONNECTIVITY}, "
        f"ef={USEARCH_EXPANSION_SEARCH}) vs exact numpy, one query at a time, k={K}, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'items':>9} {'recall@10':>9} {'hnsw p50':>9} {'hnsw p95':>9} {'exact p50':>9} "
        f"{'exact p95':>9} {'ratio':>6} {'build s':>8} {'file MB':>8}  target"
    )
    for r in results:
        print(
            f"{r.items:>9,} {r.recall_at_10:>9.3f} {r.hnsw_p50_ms:>7.2f}ms {r.hnsw_p95_ms:>7.2f}ms"
            f" {r.exact_p50_ms:>7.1f}ms {r.exact_p95_ms:>7.1f}ms {r.p95_ratio_exact_to_hnsw:>5.0f}x"
            f" {r.build_seconds:>8.0f} {r.file_mb:>8.0f}  {'met' if r.target_met else 'MISSED'}"
        )
    print(f"targets: recall@10 ≥ {TARGET_RECALL}, p95 < {TARGET_P95_MS:.0f} ms")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
