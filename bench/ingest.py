"""Ingest benchmark: how many items a second does the listening pipeline take end to end
(fetched from stand-in servers, parsed, filtered, stored once, enriched, linked to customers,
matched to cases and routed), beside the rate of the intelligence analysis alone on the same
texts, measured in the same run?

    .venv/bin/python bench/ingest.py                 # 100,000 items
    .venv/bin/python bench/ingest.py --quick         # 10,000 items
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:54329/sayso
    .venv/bin/python bench/ingest.py --workers 2 --database-url postgres://…  # + 1 and 2 processes

The items are served by real HTTP servers on 127.0.0.1 speaking each service's shape: Atom
feeds (blogs), Mastodon's hashtag timeline and Bluesky's searchPosts, through the same
connectors and client libraries as production. Prints both rates and their ratio (target:
the pipeline keeps >= 0.8 of the analysis rate) and writes bench/results/ingest-<vendor>.json.

With ``--workers N`` it then measures the scale-out path: the same Atom feeds (the bulk of the
items) polled by 1 and by N separate processes, each taking its share of the sources as
worker processes do, on the same database; it prints items/s for each, the per-item CPU
time of one process, and the processes (cores) that 1,000 and 10,000 items/s would need, and
writes bench/results/ingest-workers-<vendor>.json.
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
    parser.add_argument(
        "--workers", type=int, default=0, help="also measure feeds polled by 1 and N processes"
    )
    parser.add_argument("--child-sources", default="", help=argparse.SUPPRESS)
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


def child(args: argparse.Namespace) -> int:
    """One worker process: poll its sources until each has nothing new; print its totals."""
    import resource

    inbox.setup_django(args.database_url)
    from sayso.listening.services import sources_poll

    active = [int(pk) for pk in args.child_sources.split(",") if pk]
    stored = 0
    while active:
        still = []
        for source, result in sources_poll(active):
            if not result.ok:
                raise SystemExit(f"{source.name}: {result.error}")
            stored += result.report.stored
            if not (result.not_modified or result.report.fetched == 0):
                still.append(source.pk)
        active = still
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"stored": stored, "cpu_seconds": usage.ru_utime + usage.ru_stime}))
    return 0


def measure_workers(
    args: argparse.Namespace, database_url: str, processes: int, rng: random.Random
) -> dict[str, float]:
    """The feeds of a fresh world polled by ``processes`` processes at once."""
    import subprocess

    from sayso.listening.models import Source

    slug = f"bench-listen-{processes}-{rng.randrange(10**6)}"
    with ingest_data.World(args.items, args.feed_size, rng, slug=slug) as world:
        feeds = list(
            Source.objects.filter(organization=world.organization, kind="rss")
            .order_by("id")
            .values_list("id", flat=True)
        )
        shares = [feeds[i::processes] for i in range(processes)]
        env = {
            **os.environ,
            "SAYSO_OUTBOUND_ALLOW": "127.0.0.1/32",
            "DATABASE_URL": database_url,
        }
        started = time.perf_counter()
        running = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--database-url",
                    database_url,
                    "--child-sources",
                    ",".join(map(str, share)),
                ],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for share in shares
        ]
        outputs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in running]
        seconds = time.perf_counter() - started
        items = len(world.feed_posts)
    return {
        "processes": processes,
        "items": items,
        "stored": sum(o["stored"] for o in outputs),
        "seconds": round(seconds, 1),
        "items_per_second": round(items / seconds, 1),
        "cpu_seconds_per_item_ms": round(1000 * sum(o["cpu_seconds"] for o in outputs) / items, 2),
    }


def report_workers(args: argparse.Namespace, database_url: str, version: str) -> None:
    rng = random.Random(args.seed + 1)
    runs = [measure_workers(args, database_url, n, rng) for n in sorted({1, args.workers})]
    one = runs[0]
    per_process = 1000 / one["cpu_seconds_per_item_ms"]  # items/s one busy core sustains
    projection = {
        str(target): {
            "worker_processes": int(-(-target // per_process)),
            "machines_of_8_cores": int(-(-target // (per_process * 8))),
        }
        for target in (1_000, 10_000)
    }
    summary = {
        "database": version,
        "cpus": os.cpu_count(),
        "runs": runs,
        "items_per_second_per_busy_process": round(per_process, 1),
        "projection": projection,
    }
    print(json.dumps(summary, indent=2))
    for run in runs:
        print(
            f"{run['processes']} process(es): {run['items_per_second']:,.0f} items/s "
            f"({run['cpu_seconds_per_item_ms']} ms CPU per item in the workers)"
        )
    print(
        f"one busy worker process: {per_process:,.0f} items/s; 1,000 items/s: "
        f"{projection['1000']['worker_processes']} processes; 10,000 items/s: "
        f"{projection['10000']['worker_processes']} processes "
        f"({projection['10000']['machines_of_8_cores']} machines of 8 cores), plus the database"
    )
    vendor = "postgresql" if "PostgreSQL" in version else "sqlite"
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / f"ingest-workers-{vendor}.json").write_text(json.dumps(summary, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_sources:
        return child(args)
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
        if args.workers:
            report_workers(args, database_url, version)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
