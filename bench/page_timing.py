"""Timing a few public pages over one keep-alive connection and reporting them against their
targets: shared by bench/board.py and bench/qa.py (bench/inbox.py has its own, with per-page
time-outs)."""

from __future__ import annotations

import argparse
import random
from collections.abc import Mapping
from typing import Any

import inbox


def time_pages(
    port: int, chosen: list[inbox.Page], args: argparse.Namespace
) -> dict[str, list[float]]:
    """``args.warmup`` rounds, then ``args.requests`` timed rounds of every page in turn; a page
    that answers anything but 200 with its marker stops the run."""
    from inbox_http import HttpClient
    from tqdm import tqdm

    rng = random.Random(args.seed)
    client = HttpClient(port)
    samples: dict[str, list[float]] = {page.name: [] for page in chosen}
    for rounds, record in ((args.warmup, False), (args.requests, True)):
        for _ in tqdm(range(rounds), desc="Timing" if record else "Warming up", leave=False):
            for page in chosen:
                path = page.path(rng)
                elapsed, status, content = client.timed_get(path)
                if status != 200 or page.marker not in content:
                    raise RuntimeError(f"GET {path} answered {status} without the content")
                if record:
                    samples[page.name].append(elapsed)
    client.close()
    return samples


def result_rows(
    samples: Mapping[str, list[float]],
    *,
    targets: Mapping[str, float],
    default_target: float,
    queries: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """One row per page: percentiles, the p95 ratio to the bare view, the target and whether
    it is met (and the page's query count when ``queries`` is given)."""
    bare = inbox._percentiles(samples["bare Django view"])[1]
    rows = []
    for name, values in samples.items():
        p50, p95, p99 = inbox._percentiles(values)
        target = targets.get(name, default_target)
        row: dict[str, Any] = {"name": name, "requests": len(values)}
        if queries is not None:
            row["queries"] = queries[name]
        row.update(
            {
                "p50_ms": p50,
                "p95_ms": p95,
                "p99_ms": p99,
                "ratio_p95": round(p95 / bare, 1),
                "target_ms": target,
                "target_met": p95 < target,
            }
        )
        rows.append(row)
    return rows


def print_rows(rows: list[dict[str, Any]], *, width: int) -> None:
    """The rows as a table (with a queries column when the rows have one)."""
    with_queries = bool(rows) and "queries" in rows[0]
    queries_head = f" {'queries':>7}" if with_queries else ""
    print(
        f"{'page':{width}} {'n':>5}{queries_head} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'p95/bare':>9}  target"
    )
    print("-" * (width + 58 + (8 if with_queries else 0)))
    for row in rows:
        met = "yes" if row["target_met"] else "NO"
        queries = f" {row['queries']:>7}" if with_queries else ""
        print(
            f"{row['name']:{width}} {row['requests']:>5}{queries} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['ratio_p95']:>8.1f}x  "
            f"< {row['target_ms']:.0f} ms {met}"
        )
