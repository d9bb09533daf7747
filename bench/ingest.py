"""Ingest benchmark: how many items a second does the listening pipeline take end to end
(fetched from stand-in servers, parsed, filtered, stored once, enriched, linked to customers,
matched to cases and routed), beside the rate of the intelligence analysis alone on the same
texts, measured in the same run?

    .venv/bin/python bench/ingest.py                 # 100,000 items
    .venv/bin/python bench/ingest.py --quick         # 10,000 items
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:54329/sayso

The items are served by real HTTP servers on 127.0.0.1 speaking each service's shape: Atom
feeds (blogs), Mastodon's hashtag timeline and Bluesky's searchPosts, through the same
connectors and client libraries as production. Prints both rates and their ratio (target:
the pipeline keeps >= 0.8 of the analysis rate) and writes bench/results/ingest-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

import inbox  # noqa: E402  (the shared database helpers)
import ingest_data  # noqa: E402

TARGET_RATIO = 0.8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 items")
    parser.add_argument("--feed-size", type=int, default=1000, help="entries per Atom feed")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.items = 10_000
    args.reuse = None
    return args


def measure_analysis(items: list[dict[str, str]], batch: int, competitors: list[str]) -> float:
    """Seconds for ``analyze()`` alone over ``items`` in batches of ``batch``: the posts with
    their authors and times, as the pipeline passes them, each batch with its own duplicate
    history, as the pipeline gives each fetch (without fetching, storing or indexing)."""
    from sayso.intelligence.analysis.pipeline import analyze

    started = time.perf_counter()
    for start in range(0, len(items), batch):
        analyze(items[start : start + batch], competitors=competitors, noun="item")
    return time.perf_counter() - started


def measure_pipeline(world: ingest_data.World) -> tuple[float, dict[str, int]]:
    """Poll every source until it has nothing new: a feed until it answers 304 (its ETag), the
    Mastodon and Bluesky searches each round while posts keep arriving."""
    from sayso.listening.models import Source
    from sayso.listening.services import sources_poll

    totals: dict[str, int] = {}
    active = list(
        Source.objects.filter(organization=world.organization)
        .order_by("id")
        .values_list("id", flat=True)
    )
    started = time.perf_counter()
    arriving = True
    while active:
        still = []
        # As `sayso listen --once` polls: the next source fetched while the one before is stored.
        for source, result in sources_poll(active):
            if not result.ok:
                raise SystemExit(f"{source.name}: {result.error}")
            for key in (
                "fetched",
                "stored",
                "known",
                "unmatched",
                "joined",
                "opened",
                "kept",
                "spam",
            ):
                totals[key] = totals.get(key, 0) + getattr(result.report, key)
            if result.not_modified or (result.report.fetched == 0 and not arriving):
                continue
            still.append(source.pk)
        active = still
        # More posts arrive before the next round (none after the last).
        arriving = world.release_more()
    return time.perf_counter() - started, totals


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with inbox.database(args) as database_url:
        inbox.setup_django(database_url)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        version = inbox.database_version()
        from sayso.intelligence.embeddings import embed

        embed(["warm up the encoder"])  # model load is not part of either rate
        with ingest_data.World(args.items, args.feed_size, rng) as world:
            print(f"{version}: {args.items:,} items from {world.describe()}", flush=True)
            texts = world.texts()
            items = world.analysis_items()
            kept = world.texts(kept_only=True)
            # The analysis alone runs right before and right after the pipeline, and the
            # pipeline is compared with the mean of the two: on a shared machine the speed
            # drifts by a fifth or more within minutes, and one measurement on one side would
            # put that drift into the ratio.
            before = measure_analysis(items, batch=args.feed_size, competitors=world.competitors)
            pipeline_seconds, totals = measure_pipeline(world)
            after = measure_analysis(items, batch=args.feed_size, competitors=world.competitors)
            analysis_seconds = (before + after) / 2
        # Both rates count every item served: the pipeline's end to end (an item that mentions
        # none of the terms is fetched, parsed and dropped), the analysis alone over all their
        # texts. The stricter figure counts only the items the pipeline enriched and stored, at
        # the analysis rate of all items.
        pipeline_rate = args.items / pipeline_seconds
        analysis_rate = len(texts) / analysis_seconds
        ratio = pipeline_rate / analysis_rate
        kept_rate = len(kept) / pipeline_seconds
        summary = {
            "database": version,
            "items": args.items,
            "kept_items": len(kept),
            "pipeline_seconds": round(pipeline_seconds, 1),
            "pipeline_items_per_second": round(pipeline_rate, 1),
            "analysis_seconds": round(analysis_seconds, 1),
            "analysis_items_per_second": round(analysis_rate, 1),
            "analysis_items_per_second_before": round(len(texts) / before, 1),
            "analysis_items_per_second_after": round(len(texts) / after, 1),
            "ratio": round(ratio, 3),
            "kept_items_per_second": round(kept_rate, 1),
            "kept_ratio": round(kept_rate / analysis_rate, 3),
            "target_ratio": TARGET_RATIO,
            "met": ratio >= TARGET_RATIO,
            "outcomes": totals,
        }
        print(json.dumps(summary, indent=2))
        print(
            f"pipeline {pipeline_rate:,.0f} items/s vs analysis alone {analysis_rate:,.0f} "
            f"items/s ({len(texts) / before:,.0f} before, {len(texts) / after:,.0f} after): "
            f"ratio {ratio:.2f} (target >= {TARGET_RATIO}) "
            f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}; counting only the "
            f"{len(kept):,} items kept: {kept_rate:,.0f} items/s, ratio "
            f"{kept_rate / analysis_rate:.2f}"
        )
        results = BENCH_DIR / "results"
        results.mkdir(exist_ok=True)
        vendor = "postgresql" if "PostgreSQL" in version else "sqlite"
        (results / f"ingest-{vendor}.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
