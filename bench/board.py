"""Idea-board benchmark: how fast are the public board (trending, and filtered), an idea's page
and the similar-ideas lookup as someone types a title, on a large board, beside a bare Django
view served the same way?

    .venv/bin/python bench/board.py            # 100,000 ideas, 2,000,000 votes, 500,000 comments
    .venv/bin/python bench/board.py --quick    # 10,000 ideas, 200,000 votes, 50,000 comments
    .venv/bin/python bench/board.py --database-url postgres://postgres@127.0.0.1:54329/sayso
    .venv/bin/python bench/board.py --load-only / --reuse DATABASE   (as bench/inbox.py)

Prints p50/p95/p99 per page, the p95 ratio to the bare view and the targets (pages < 50 ms,
similar ideas < 30 ms), and writes bench/results/board-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import inbox  # noqa: E402  (the shared database, server and percentile helpers)
import page_timing  # noqa: E402

TARGETS_MS = {"similar ideas (as you type)": 30.0}
DEFAULT_TARGET_MS = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--comments", type=int, default=500_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of everything")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE")
    args = parser.parse_args(argv)
    if args.quick:
        args.ideas, args.votes, args.comments = 10_000, 200_000, 50_000
    args.keep = args.keep or args.load_only
    return args


def pages(board: Any) -> list[inbox.Page]:
    base = f"/o/{board.organization.slug}"
    listing = b'data-testid="ideas"'
    return [
        inbox.Page("bare Django view", lambda rng: "/bench/bare/", b"ok"),
        inbox.Page("board (trending)", lambda rng: f"{base}/ideas/", listing),
        inbox.Page(
            "board (status + category, top)",
            lambda rng: (
                f"{base}/ideas/?status=planned&category={rng.choice(board.categories)}&sort=top"
            ),
            listing,
        ),
        inbox.Page(
            "idea page (busiest 5 %)",
            lambda rng: f"{base}/ideas/{rng.choice(board.busy_numbers)}/",
            b'data-testid="comments"',
        ),
        inbox.Page(
            "similar ideas (as you type)",
            lambda rng: f"{base}/ideas/similar/?title={quote(rng.choice(board.typed))}",
            b"",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.explain = False
    with inbox.database(args) as url:
        inbox.setup_django(url)
        from board_data import describe_board, load_board
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import override_settings
        from inbox_http import serving

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        if not args.reuse:
            load_board(ideas=args.ideas, votes=args.votes, comments=args.comments, seed=args.seed)
        inbox.planner_statistics()
        loaded = round(time.perf_counter() - started, 1)
        board = describe_board(args.seed)
        if args.load_only:
            print(f"loaded {board.ideas:,} ideas into {url} in {loaded} s")
            return 0
        connection.close()
        hosts = ["127.0.0.1", "localhost", "testserver"]
        with (
            override_settings(
                ROOT_URLCONF="bench_urls",
                ALLOWED_HOSTS=hosts,
                DEBUG=False,
                SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE=10**9,
            ),
            serving(WSGIHandler()) as port,
        ):
            samples = page_timing.time_pages(port, pages(board), args)
        vendor = connection.vendor
        version = inbox.database_version()
    rows = page_timing.result_rows(samples, targets=TARGETS_MS, default_target=DEFAULT_TARGET_MS)
    summary = {
        "vendor": vendor,
        "database": version,
        "cpus": os.cpu_count(),
        "ideas": board.ideas,
        "votes": board.votes,
        "comments": board.comments,
        "load_seconds": loaded,
        "pages": rows,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    output = BENCH_DIR / "results" / f"board-{vendor}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nBoard benchmark, {version}, {os.cpu_count()} CPUs: {board.ideas:,} ideas, "
        f"{board.votes:,} votes, {board.comments:,} comments"
    )
    page_timing.print_rows(rows, width=32)
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
