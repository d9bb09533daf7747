"""Community Q&A benchmark: how fast are a question's page (its answers and similar problems),
the question list and the similar-problems lookup as someone types a title, on a large
community, beside a bare Django view served the same way?

    .venv/bin/python bench/qa.py            # 500,000 questions, 2,000,000 answers
    .venv/bin/python bench/qa.py --quick    # 50,000 questions, 200,000 answers
    .venv/bin/python bench/qa.py --database-url postgres://postgres@127.0.0.1:54329/sayso
    .venv/bin/python bench/qa.py --load-only / --reuse DATABASE   (as bench/inbox.py)

Prints p50/p95/p99 per page, the p95 ratio to the bare view and the targets (pages < 50 ms,
the lookup < 30 ms), and writes bench/results/qa-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import inbox  # noqa: E402  (the shared database, server and percentile helpers)
import page_timing  # noqa: E402

TARGETS_MS = {"similar as you type": 30.0}
DEFAULT_TARGET_MS = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=500_000)
    parser.add_argument("--answers", type=int, default=2_000_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of everything")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE")
    parser.add_argument(
        "--explain", action="store_true", help="print each page's slowest queries and their plans"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.questions, args.answers = args.questions // 10, args.answers // 10
    args.keep = args.keep or args.load_only
    return args


def pages(community: Any) -> list[inbox.Page]:
    base = f"/o/{community.organization.slug}/questions"
    answers = b'data-testid="answers"'
    similar = b'data-testid="similar-problems"'
    return [
        inbox.Page("bare Django view", lambda rng: "/bench/bare/", b"ok"),
        inbox.Page(
            "question page (busiest 5 %)",
            lambda rng: f"{base}/{rng.choice(community.busy_numbers)}/",
            answers,
        ),
        inbox.Page(
            "question page (random)",
            lambda rng: f"{base}/{rng.choice(community.numbers)}/",
            similar,
        ),
        inbox.Page("question list (new)", lambda rng: f"{base}/", b'data-testid="questions"'),
        inbox.Page(
            "similar as you type",
            lambda rng: f"{base}/similar/?title={quote(rng.choice(community.typed))}",
            b"",
        ),
    ]


def query_counts(community: Any, args: argparse.Namespace) -> dict[str, int]:
    """How many queries one request of each page runs (anonymous, through the test client);
    with --explain, the slowest three of each and their plans."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    client = Client()
    for page in pages(community):
        path = page.path(random.Random(args.seed))
        client.get(path)  # the first request loads the index
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered HTTP {response.status_code}")
        counts[page.name] = len(context.captured_queries)
        if args.explain:
            inbox.print_slowest_queries(page.name, path, context.captured_queries)
    return counts


def commit() -> str:
    """The commit measured (with "+" when the working tree differs from it)."""
    try:
        run = {"cwd": BENCH_DIR, "capture_output": True, "text": True, "check": True}
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **run).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "sayso"], **run).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    measured = commit()  # before the load: the code the server runs
    with inbox.database(args) as url:
        inbox.setup_django(url)
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import override_settings
        from inbox_http import serving
        from qa_data import describe_community, load_community

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        if not args.reuse:
            load_community(questions=args.questions, answers=args.answers, seed=args.seed)
        inbox.planner_statistics()
        loaded = round(time.perf_counter() - started, 1)
        community = describe_community(args.seed)
        if args.load_only:
            print(f"loaded {community.questions:,} questions into {url} in {loaded} s")
            return 0
        hosts = ["127.0.0.1", "localhost", "testserver"]
        with override_settings(
            ROOT_URLCONF="bench_urls",
            ALLOWED_HOSTS=hosts,
            DEBUG=False,
            SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE=10**9,
        ):
            queries = query_counts(community, args)
            connection.close()  # the server's threads open their own
            load_average = os.getloadavg()
            with serving(WSGIHandler()) as port:
                samples = page_timing.time_pages(port, pages(community), args)
        vendor = connection.vendor
        version = inbox.database_version()
    rows = page_timing.result_rows(
        samples, targets=TARGETS_MS, default_target=DEFAULT_TARGET_MS, queries=queries
    )
    summary = {
        "vendor": vendor,
        "database": version,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "commit": measured,
        "questions": community.questions,
        "answers": community.answers,
        "answer_votes": community.answer_votes,
        "me_toos": community.me_toos,
        "ideas": community.ideas,
        "busy_answers": list(community.busy_answers),
        "load_seconds": loaded,
        "load_average": [round(value, 2) for value in load_average],
        "pages": rows,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    output = BENCH_DIR / "results" / f"qa-{vendor}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    fewest, most = community.busy_answers
    print(
        f"\nQ&A benchmark, {version}, {os.cpu_count()} CPUs: {community.questions:,} questions, "
        f"{community.answers:,} answers, {community.answer_votes:,} answer votes, "
        f"{community.me_toos:,} 'me too's, {community.ideas:,} ideas; load {loaded:.0f} s; "
        f"busiest 5 % hold {fewest}-{most} answers; load average {load_average[0]:.1f} "
        "before timing"
    )
    page_timing.print_rows(rows, width=30)
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
