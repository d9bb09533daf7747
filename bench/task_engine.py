"""Task engine benchmark: how fast does each engine enqueue and run background tasks, measured
in the same run — the embedded django-tasks-db queue on SQLite against Procrastinate on
PostgreSQL?

    .venv/bin/python bench/task_engine.py --database-url postgres://postgres@127.0.0.1:54329/db
    .venv/bin/python bench/task_engine.py --jobs 2000 --database-url ...

Each engine gets a fresh database (SQLite in a temporary directory; the PostgreSQL database
named is migrated and its jobs deleted first). The jobs are ``core.prune_sessions`` (one small
DELETE: the engine's own cost dominates). Prints enqueue rate (jobs/s, one transaction per job
as on_commit does) and run rate of one ``sayso worker --batch`` (its start-up measured on an
empty queue and subtracted), and writes bench/results/task-engine-c<concurrency>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SAYSO = Path(sys.executable).with_name("sayso")

ENQUEUE = """
import time
from django.db import connection
from sayso.core.tasks import prune_sessions
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
else:
    from django_tasks_db.models import DBTaskResult
    DBTaskResult.objects.all().delete()
started = time.perf_counter()
for _ in range({jobs}):
    prune_sessions.enqueue()
print(time.perf_counter() - started)
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(SAYSO), *args], env=env, capture_output=True, text=True, timeout=1800
    )
    if done.returncode:
        sys.exit(f"sayso {args[0]} failed:\n{done.stderr[-3000:]}")
    return done


def measure(
    name: str, database_url: str, data_dir: str, jobs: int, concurrency: int = 1
) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "SAYSO_DATA_DIR": data_dir}
    env["HF_HUB_OFFLINE"] = "1"
    _run(["migrate", "-v0"], env)
    worker = ["worker", "--batch", "--no-scheduler", "-v0", "--concurrency", str(concurrency)]
    started = time.perf_counter()
    _run(worker, env)  # an empty queue: the start-up alone
    startup = time.perf_counter() - started
    enqueue_seconds = float(
        _run(["shell", "-c", ENQUEUE.format(jobs=jobs)], env).stdout.split()[-1]
    )
    started = time.perf_counter()
    _run(worker, env)
    run_seconds = max(1e-6, time.perf_counter() - started - startup)
    figures = {
        "jobs": jobs,
        "concurrency": concurrency,
        "enqueue_per_s": round(jobs / enqueue_seconds, 1),
        "run_per_s": round(jobs / run_seconds, 1),
        "worker_startup_s": round(startup, 2),
    }
    print(f"{name:14} {figures}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="Procrastinate's jobs at once (embedded: 1)"
    )
    options = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as data_dir:
        sqlite = f"sqlite:///{data_dir}/bench.sqlite3"
        results["embedded-sqlite"] = measure("embedded", sqlite, data_dir, options.jobs)
        results["procrastinate-postgresql"] = measure(
            "procrastinate", options.database_url, data_dir, options.jobs, options.concurrency
        )
    out = BENCH_DIR / "results" / f"task-engine-c{options.concurrency}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
