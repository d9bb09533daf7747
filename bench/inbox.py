"""Inbox benchmark: how fast are the staff inbox, a case page and a customer's timeline on a
large organization, beside a bare Django view served the same way?

It creates a fresh database (SQLite in a temporary directory, or a new database on the
PostgreSQL server named by ``--database-url``/``DATABASE_URL``), migrates it, loads customers,
cases, messages, commitments and the timeline, serves the real WSGI application over HTTP on
127.0.0.1 and times pages over one keep-alive connection, signed in as an agent.

    .venv/bin/python bench/inbox.py                  # 100,000 customers, 1,000,000 messages
    .venv/bin/python bench/inbox.py --quick          # 10,000 customers, 100,000 messages
    .venv/bin/python bench/inbox.py --database-url postgres://postgres@127.0.0.1:54340/sayso

Prints one table (p50/p95/p99 per page, the p95 ratio to the bare view, the 50 ms target) and
writes it as JSON to bench/results/inbox-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
TARGET_P95_MS = 50.0
Prepare = Callable[[], None]
MIN_SAMPLES = 3  # a page is timed at least this often, however slow


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[random.Random], str]
    marker: bytes  # a piece of the page that proves it rendered


@dataclass
class PageTimings:
    samples: list[float] = field(default_factory=list)  # ms
    timed_out: bool = False  # a statement ran past --statement-timeout


@dataclass
class PageResult:
    name: str
    example: str
    requests: int
    p50_ms: float | None  # None: timed out
    p95_ms: float | None
    p99_ms: float | None
    ratio_p95: float | None
    queries: int
    target_met: bool
    timed_out: bool = False


class PageTimedOut(Exception):
    pass


# --- arguments and database ----------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--quick", action="store_true", help="10,000 customers, 100,000 messages")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL server to create the benchmark database on (default: SQLite)",
    )
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="with --reuse: leave out migrations added since the database was loaded",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--explain", action="store_true", help="print each page's slowest queries and their plans"
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=300.0,
        help="stop timing a page once its requests took this long (a very slow page)",
    )
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=30.0,
        help="seconds a SQL statement may run before its page is reported as timed out",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--load-only", action="store_true", help="load, keep, and time nothing")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time a database kept by an earlier run (a SQLite file or a postgres:// URL)",
    )
    parser.add_argument(
        "--output", type=Path, help="JSON results file (default: bench/results/inbox-<vendor>.json)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.messages = 10_000, 100_000
    args.keep = args.keep or args.load_only
    return args


@contextmanager
def sqlite_database(keep: bool) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="sayso-bench-"))
    os.environ["SAYSO_DATA_DIR"] = str(directory / "data")
    try:
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
    finally:
        if keep:
            print(f"kept the database in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgres_database(server_url: str, keep: bool) -> Iterator[str]:
    """A new database on the server of ``server_url``, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"sayso_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + quote(name)))
    # As .ci/postgres.sh does for its database: later migrations may need pgvector.
    with psycopg.connect(url, autocommit=True) as fresh, suppress(psycopg.Error):
        fresh.execute("CREATE EXTENSION IF NOT EXISTS vector")
    directory = Path(tempfile.mkdtemp(prefix="sayso-bench-"))
    os.environ["SAYSO_DATA_DIR"] = str(directory)
    try:
        yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if keep:
            print(f"kept the database {url}", file=sys.stderr)
        else:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def reused_database(database: str) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="sayso-bench-"))
    os.environ["SAYSO_DATA_DIR"] = str(directory)
    try:
        yield database if "://" in database else f"sqlite:///{Path(database).resolve()}"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def database(args: argparse.Namespace) -> Any:
    if args.reuse:
        return reused_database(args.reuse)
    if args.database_url.startswith(("postgres://", "postgresql://")):
        return postgres_database(args.database_url, args.keep)
    return sqlite_database(args.keep)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sayso.settings"
    os.environ["SAYSO_DEBUG"] = "0"
    sys.path.insert(0, str(BENCH_DIR))  # bench_urls, inbox_data, …
    import django

    django.setup()


# --- measuring -------------------------------------------------------------------------------


def pages_for(dataset: Any) -> list[Page]:
    base = f"/staff/{dataset.organization.slug}"
    inbox = b'data-testid="inbox"'
    return [
        Page("bare Django view", lambda rng: "/bench/bare/", b"ok"),
        Page("inbox (open + pending)", lambda rng: f"{base}/", inbox),
        Page("inbox (any status, mine)", lambda rng: f"{base}/?status=&assignee=me", inbox),
        Page(
            "inbox search (any status)",
            lambda rng: f"{base}/?q={quote(rng.choice(dataset.search_words))}&status=",
            inbox,
        ),
        Page(
            "case page (busiest 5 %)",
            lambda rng: f"{base}/cases/{rng.choice(dataset.busy_case_numbers)}/",
            b'data-testid="messages"',
        ),
        Page(
            "customer page",
            lambda rng: f"{base}/customers/{rng.choice(dataset.customer_ids)}/",
            b'data-testid="timeline"',
        ),
    ]


def _get_page(client: Any, page: Page, rng: random.Random, timeout: float) -> float:
    path = page.path(rng)
    elapsed, status, content = client.timed_get(path)
    if status == 500 and elapsed >= timeout * 1000:
        raise PageTimedOut(path)
    if status != 200 or page.marker not in content:
        raise RuntimeError(f"GET {path} answered HTTP {status} without the expected content")
    return elapsed


def _time_one(
    client: Any, page: Page, rng: random.Random, timings: PageTimings, timeout: float
) -> None:
    try:
        timings.samples.append(_get_page(client, page, rng, timeout))
    except PageTimedOut as exc:
        print(
            f"{page.name}: GET {exc} ran past {timeout:.0f} s; not timed further", file=sys.stderr
        )
        timings.timed_out = True


def time_pages(port: int, dataset: Any, args: argparse.Namespace) -> dict[str, PageTimings]:
    """Timings per page: round-robin, so that any drift in the machine's speed touches every
    page alike; a page stops once its requests took ``--page-seconds`` in all, or one of its
    statements ran past ``--statement-timeout``."""
    from inbox_data import PASSWORD
    from inbox_http import HttpClient
    from tqdm import tqdm

    rng = random.Random(args.seed)
    client = HttpClient(port)
    client.log_in(dataset.login_username, PASSWORD)
    pages = pages_for(dataset)
    warm_up = {page.name: PageTimings() for page in pages}
    for page in pages:
        while len(warm_up[page.name].samples) < args.warmup and not warm_up[page.name].timed_out:
            _time_one(client, page, rng, warm_up[page.name], args.statement_timeout)
            if sum(warm_up[page.name].samples) > args.page_seconds * 100:  # a tenth, in ms
                break
    timings = {page.name: PageTimings(timed_out=warm_up[page.name].timed_out) for page in pages}
    budget_ms = args.page_seconds * 1000
    for _ in tqdm(range(args.requests), desc="Timing pages", unit="round", leave=False):
        for page in pages:
            spent = timings[page.name]
            if not spent.timed_out and (
                len(spent.samples) < MIN_SAMPLES or sum(spent.samples) < budget_ms
            ):
                _time_one(client, page, rng, spent, args.statement_timeout)
    client.close()
    return timings


def captured_queries(dataset: Any, path: str) -> list[dict[str, Any]]:
    """The queries one request for ``path`` runs, through Django's test client (up to the
    one that ran past the statement timeout, if one did)."""
    from django.contrib.auth import get_user_model
    from django.db import OperationalError, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=dataset.login_username))
    with CaptureQueriesContext(connection) as context:
        try:
            response = client.get(path)
        except OperationalError:
            return context.captured_queries
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code}")
    return context.captured_queries


def explain(sql: str) -> str:
    """The plan (SQLite) or the plan as run (PostgreSQL's EXPLAIN ANALYZE) of one query."""
    from django.db import OperationalError, connection

    analyze = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    try:
        with connection.cursor() as cursor:
            cursor.execute(analyze + sql)
            rows = cursor.fetchall()
    except OperationalError:
        return "      (EXPLAIN ANALYZE ran past the statement timeout)"
    return "\n".join(f"      {row[-1]}" for row in rows)


def print_slowest_queries(name: str, path: str, queries: list[dict[str, Any]]) -> None:
    print(f"\n{name}: GET {path}: {len(queries)} queries, slowest first", file=sys.stderr)
    for query in sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]:
        print(f"  {float(query['time']) * 1000:.1f} ms  {query['sql'][:600]}", file=sys.stderr)
        print(explain(query["sql"]), file=sys.stderr)


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return round(q[49], 2), round(q[94], 2), round(q[98], 2)


def summarize(
    pages: list[Page],
    timings: dict[str, PageTimings],
    queries: dict[str, list[dict[str, Any]]],
    examples: dict[str, str],
) -> list[PageResult]:
    bare_p95 = _percentiles(timings[pages[0].name].samples)[1]
    results = []
    for page in pages:
        timing = timings[page.name]
        common = {
            "name": page.name,
            "example": examples[page.name],
            "requests": len(timing.samples),
            "queries": len(queries[page.name]),
        }
        if timing.timed_out or len(timing.samples) < 2:
            results.append(
                PageResult(
                    **common,
                    p50_ms=None,
                    p95_ms=None,
                    p99_ms=None,
                    ratio_p95=None,
                    target_met=False,
                    timed_out=True,
                )
            )
            continue
        p50, p95, p99 = _percentiles(timing.samples)
        results.append(
            PageResult(
                **common,
                p50_ms=p50,
                p95_ms=p95,
                p99_ms=p99,
                ratio_p95=round(p95 / bare_p95, 1),
                target_met=p95 < TARGET_P95_MS,
            )
        )
    return results


def measure(dataset: Any, args: argparse.Namespace) -> list[PageResult]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import override_settings
    from inbox_http import serving
    from inbox_timeout import limit_statements

    limit_statements(args.statement_timeout)
    connection.close()  # reconnect with the limit
    pages = pages_for(dataset)
    hosts = ["127.0.0.1", "localhost", "testserver"]
    with override_settings(ROOT_URLCONF="bench_urls", ALLOWED_HOSTS=hosts, DEBUG=False):
        examples = {page.name: page.path(random.Random(args.seed)) for page in pages}
        queries = {name: captured_queries(dataset, path) for name, path in examples.items()}
        if args.explain:
            for name, path in examples.items():
                print_slowest_queries(name, path, queries[name])
        connection.close()  # the server's threads open their own
        with serving(WSGIHandler()) as port:
            timings = time_pages(port, dataset, args)
    return summarize(pages, timings, queries, examples)


# --- loading and reporting -----------------------------------------------------------------


def load(args: argparse.Namespace) -> dict[str, float]:
    from django.core.management import call_command
    from inbox_data import load_dataset, verify_dataset

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    load_dataset(customers=args.customers, messages=args.messages, seed=args.seed)
    loaded = time.perf_counter()
    problems = verify_dataset()
    if problems:
        raise RuntimeError("the loaded data breaks invariants: " + "; ".join(problems))
    return {
        "migrate_seconds": round(migrated - started, 1),
        "load_seconds": round(loaded - migrated, 1),
    }


def migrate_only() -> dict[str, float]:
    """A reused database gets the migrations added since it was loaded (new indexes)."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    return {"migrate_seconds": round(time.perf_counter() - started, 1)}


def prepare_database(args: argparse.Namespace) -> dict[str, float]:
    """Load a fresh database, or bring a reused one up to date (unless --no-migrate)."""
    if not args.reuse:
        timings = load(args)
    elif args.no_migrate:
        timings = {}
    else:
        timings = migrate_only()
    planner_statistics()
    return timings


def planner_statistics() -> None:
    """The planner's statistics, as the worker's daily refresh keeps them (SQLite ANALYZE;
    sayso/core/planner_statistics.py): a database just loaded in bulk has none yet."""
    from django.core.management import call_command

    call_command("dbstats")


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _cells(result: PageResult, timeout: float) -> str:
    if result.timed_out:
        return f"{f'timed out: a query ran over {timeout:.0f} s':>44}"
    return (
        f"{result.p50_ms:>8.1f} {result.p95_ms:>8.1f} {result.p99_ms:>8.1f} "
        f"{result.ratio_p95:>8.1f}x"
    )


def render_table(results: list[PageResult], timeout: float) -> str:
    target = f"p95 < {TARGET_P95_MS:.0f} ms"
    header = (
        f"{'page':<26} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p95/bare':>9} "
        f"{'queries':>7}  {target}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<26} {r.requests:>4} {_cells(r, timeout)} {r.queries:>7}  "
            f"{'yes' if r.target_met else 'NO'}"
        )
    return "\n".join(lines)


def print_summary(summary: dict[str, Any]) -> None:
    results = [PageResult(**page) for page in summary["pages"]]
    fewest, most = summary["busy_case_messages"]
    load = summary.get("load_seconds")
    loading = (
        f"load {load:.0f} s (migrate {summary['migrate_seconds']:.0f} s)" if load else "reused"
    )
    title = f"Inbox benchmark ({summary['label']})" if summary.get("label") else "Inbox benchmark"
    print(
        f"\n{title}, {summary['database']}, {summary['machine']['cpus']} CPUs "
        f"(load average {summary['load_average'][0]:.1f} before timing): "
        f"{summary['customers']:,} customers, {summary['cases']:,} cases, "
        f"{summary['messages']:,} messages, {summary['timeline_events']:,} timeline events, "
        f"{summary['commitments']:,} commitments; {loading}; case pages of {fewest}-{most} messages"
    )
    print(render_table(results, summary["statement_timeout_s"]))


def summary_of(
    args: argparse.Namespace,
    dataset: Any,
    results: list[PageResult],
    loading: dict[str, float],
    load_average: tuple[float, float, float],
) -> dict[str, Any]:
    from django.db import connection

    return {
        "vendor": connection.vendor,
        "database": database_version(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average": [round(value, 2) for value in load_average],
        "customers": dataset.customers,
        "cases": dataset.cases,
        "messages": dataset.messages,
        "timeline_events": dataset.timeline_events,
        "commitments": dataset.commitments,
        "busy_case_messages": list(dataset.busy_case_messages),
        **loading,
        "target_p95_ms": TARGET_P95_MS,
        "statement_timeout_s": args.statement_timeout,
        "pages": [asdict(result) for result in results],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: list[str] | None = None, *, prepare: Prepare | None = None, label: str = "") -> int:
    """Run the benchmark; ``prepare`` runs once Django is set up and the data loaded (the
    proposals script applies its changes there), ``label`` names the results file."""
    args = parse_args(argv)
    with database(args) as url:
        setup_django(url)
        from inbox_data import describe_dataset

        loading = prepare_database(args)
        dataset = describe_dataset(args.seed)
        if args.load_only:
            print(f"loaded {dataset.messages:,} messages into {url} in {loading['load_seconds']} s")
            return 0
        if prepare is not None:
            prepare()
        load_average = os.getloadavg()
        results = measure(dataset, args)
        summary = summary_of(args, dataset, results, loading, load_average)
    summary["label"] = label
    name = f"inbox-{summary['vendor']}{'-' + label if label else ''}.json"
    output = args.output or BENCH_DIR / "results" / name
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print_summary(summary)
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
