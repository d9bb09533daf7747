"""Which library for the embedded similar-item index? usearch, hnswlib, sqlite-vec and exact
numpy on the same vectors and queries, in one run.

    .venv/bin/pip install -e ".[bench]"      # hnswlib and sqlite-vec (only this script needs them)
    .venv/bin/python bench/similar_libraries.py [--items 100000] [--queries 300]

Each library gets the same sentence-embedding-like vectors (``similar_data``), is timed on
single queries (k=10, one thread), and its recall@10 is measured against exact search.
Prints build seconds, memory or file size, recall@10 and p50/p95 latency per library.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from similar_data import dataset, exact_neighbours  # noqa: E402

K = 10
Search = Callable[[np.ndarray], np.ndarray]  # a query -> the row numbers of its top k


def numpy_exact(items: np.ndarray) -> Search:
    def search(query: np.ndarray) -> np.ndarray:
        scores = items @ query
        part = np.argpartition(-scores, K)[:K]
        return part[np.argsort(-scores[part])]

    return search


def usearch_hnsw(items: np.ndarray, dtype: str, ef: int) -> Search:
    from usearch.index import Index

    index = Index(ndim=items.shape[1], metric="cos", dtype=dtype, connectivity=16)
    index.expansion_add = 128
    index.add(np.arange(len(items), dtype=np.uint64), items, threads=os.cpu_count() or 1)
    index.expansion_search = ef

    def search(query: np.ndarray) -> np.ndarray:
        return np.asarray(index.search(query, K, threads=1).keys, dtype=np.int64)

    return search


def hnswlib_hnsw(items: np.ndarray, ef: int) -> Search:
    import hnswlib

    index = hnswlib.Index(space="cosine", dim=items.shape[1])
    index.init_index(max_elements=len(items), M=16, ef_construction=128)
    index.add_items(items, np.arange(len(items)), num_threads=os.cpu_count() or 1)
    index.set_ef(ef)
    index.set_num_threads(1)

    def search(query: np.ndarray) -> np.ndarray:
        labels, _ = index.knn_query(query, k=K)
        return np.asarray(labels[0], dtype=np.int64)

    return search


def sqlite_vec_exact(items: np.ndarray, directory: str) -> Search:
    import sqlite_vec

    db = sqlite3.connect(os.path.join(directory, "vec.sqlite3"), check_same_thread=False)
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    db.enable_load_extension(False)
    db.execute(f"CREATE VIRTUAL TABLE items USING vec0(embedding float[{items.shape[1]}])")
    with db:
        db.executemany(
            "INSERT INTO items(rowid, embedding) VALUES (?, ?)",
            ((i, items[i].tobytes()) for i in range(len(items))),
        )

    def search(query: np.ndarray) -> np.ndarray:
        rows = db.execute(
            "SELECT rowid FROM items WHERE embedding MATCH ? AND k = ? ORDER BY distance",
            (query.astype(np.float32).tobytes(), K),
        ).fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    return search


def measure(name: str, make: Callable[[], Search], probes: np.ndarray, truth: np.ndarray) -> None:
    started = time.perf_counter()
    search = make()
    build = time.perf_counter() - started
    for probe in probes[:10]:
        search(probe)
    latencies, hits = [], 0
    for probe, expected in zip(probes, truth, strict=True):
        t = time.perf_counter()
        found = search(probe)
        latencies.append((time.perf_counter() - t) * 1000)
        hits += len(set(found.tolist()) & set(expected.tolist()))
    p50, p95 = np.percentile(latencies, [50, 95])
    recall = hits / (K * len(probes))
    print(f"{name:34} {build:>8.1f} {recall:>9.3f} {p50:>8.2f} {p95:>8.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    items, probes = dataset(args.items, args.queries, seed=1)
    truth = exact_neighbours(items, probes, K)
    print(f"{args.items:,} items x 384, {args.queries} single queries, k={K}")
    print(f"{'library':34} {'build s':>8} {'recall@10':>9} {'p50 ms':>8} {'p95 ms':>8}")
    measure("numpy exact (float32)", lambda: numpy_exact(items), probes, truth)
    for dtype, ef in [("i8", 64), ("i8", 256), ("f16", 128), ("f16", 256)]:
        measure(
            f"usearch HNSW {dtype} ef={ef}",
            lambda d=dtype, e=ef: usearch_hnsw(items, d, e),
            probes,
            truth,
        )
    if importlib.util.find_spec("hnswlib"):
        measure("hnswlib HNSW f32 ef=256", lambda: hnswlib_hnsw(items, 256), probes, truth)
    else:
        print("hnswlib: not installed (pip install -e '.[bench]')")
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        print("sqlite-vec: this Python's sqlite3 cannot load extensions (built without them)")
    elif importlib.util.find_spec("sqlite_vec"):
        with tempfile.TemporaryDirectory() as directory:
            measure(
                "sqlite-vec vec0 (exact)", lambda: sqlite_vec_exact(items, directory), probes, truth
            )
    else:
        print("sqlite-vec: not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
