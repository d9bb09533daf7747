"""Load benchmark: how many requests a second does `sayso serve` with 2 processes sustain on
PostgreSQL under a realistic mix (public readers of the board, Q&A and status page, portal
customers, agents in the inbox, widget posts, API clients — bench/locustfile.py), ramped in
steps until p95 > 200 ms or errors > 0.1 %? Beside it, in the same run, the bare view
(/health/: one database round trip) ramped the same way.

    .venv/bin/pip install -e ".[bench]"     # locust
    .venv/bin/python bench/load.py          # a throw-away PostgreSQL from the pgserver wheel
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/load.py --quick  # 10 s steps

Each step runs locust headless for --step-seconds with N users (N doubling from 4); the
sustained rate is the last step within both limits. Rate limits are lifted for the run (every
simulated client shares 127.0.0.1). Writes bench/results/load-postgresql.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
P95_LIMIT_MS = 200.0
ERROR_LIMIT = 0.001


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is created)")
    parser.add_argument("--step-seconds", type=int, default=30)
    parser.add_argument("--max-users", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2, help="sayso serve processes")
    parser.add_argument("--quick", action="store_true", help="10 s steps")
    return parser.parse_args()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_postgres() -> tuple[str, int]:
    port = _free_port()
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "postgres.sh"), "start", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1], port


def _database(server_url: str) -> tuple[str, str]:
    import psycopg

    name = f"sayso_load_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin


def _step(
    env: dict[str, str], host: str, users: int, seconds: int, user_class: str, out: Path
) -> dict[str, Any]:
    prefix = out / f"{user_class}-{users}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    if user_class != "mix":
        command.append(user_class)
    else:
        command += ["Reader", "PortalCustomer", "Agent", "Widget", "ApiClient"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise SystemExit(
            f"locust wrote no statistics (exit {run.returncode}):\n{run.stderr[-3000:]}"
        )
    with stats.open(encoding="utf-8") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    failed = Path(f"{prefix}_failures.csv")
    if failed.exists():
        with failed.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                print(
                    f"    failure: {row['Method']} {row['Name']}: {row['Error']}"
                    f" ({row['Occurrences']}x)",
                    flush=True,
                )
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    return {
        "users": users,
        "requests": requests,
        "failures": failures,
        "error_rate": failures / requests if requests else 1.0,
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"] or 0),
        "p95_ms": float(total["95%"] or 0),
        "per_page_p95_ms": {
            name: float(row["95%"] or 0) for name, row in rows.items() if name != "Aggregated"
        },
    }


def _ramp(
    env: dict[str, str], host: str, args: argparse.Namespace, user_class: str, out: Path
) -> dict[str, Any]:
    steps = []
    sustained: dict[str, Any] | None = None
    users = 4
    while users <= args.max_users:
        result = _step(env, host, users, args.step_seconds, user_class, out)
        steps.append(result)
        ok = result["p95_ms"] <= P95_LIMIT_MS and result["error_rate"] <= ERROR_LIMIT
        print(
            f"  {user_class:5} {users:4} users: {result['rps']:7.1f} req/s, "
            f"p95 {result['p95_ms']:6.0f} ms, {result['failures']} errors of "
            f"{result['requests']}{'' if ok else '  <- over the limit'}",
            flush=True,
        )
        if not ok:
            break
        sustained = result
        users *= 2
    return {"steps": steps, "sustained": sustained}


def main() -> None:
    args = parse_args()
    if args.quick:
        args.step_seconds = 10
    if shutil.which("locust") is None and not _has_locust():
        sys.exit('locust is not installed: .venv/bin/pip install -e ".[bench]"')
    started_pg = None
    server_url = args.database_url
    if server_url is None:
        server_url, started_pg = _start_postgres()
    database_url, admin_url = _database(server_url)
    data_dir = Path(tempfile.mkdtemp(prefix="sayso-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
        "DATABASE_URL": database_url,
        "SAYSO_DATA_DIR": str(data_dir),
        "SAYSO_RATE_LIMIT_PER_MINUTE": "1000000",
        "SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE": "1000000",
        "SAYSO_WIDGET_RATE_LIMIT_PER_MINUTE": "1000000",
        "SAYSO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SAYSO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    server = None
    try:
        sayso = [sys.executable, "-m", "sayso"]
        for step in (
            ["migrate", "--no-input", "-v", "0"],
            ["collectstatic", "--no-input", "-v", "0"],
            ["demo"],
        ):
            subprocess.run([*sayso, *step], env=env, check=True, capture_output=True)
        seed = subprocess.run(
            [sys.executable, str(BENCH / "load_seed.py")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        fixture = data_dir / "fixture.json"
        fixture.write_text(seed.stdout.strip().splitlines()[-1], encoding="utf-8")
        env["SAYSO_LOAD_FIXTURE"] = str(fixture)
        port = _free_port()
        server = subprocess.Popen(
            [
                *sayso,
                "serve",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-log",
                "",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        host = f"http://127.0.0.1:{port}"
        out = data_dir / "locust"
        out.mkdir()
        print(f"sayso serve --workers {args.workers} on PostgreSQL; {args.step_seconds} s steps")
        # Warm every process (first requests load templates and, for some pages, the model).
        _step(env, host, 8, 5, "mix", out)
        mix = _ramp(env, host, args, "mix", out)
        bare = _ramp(env, host, args, "BareUser", out)
        report = {
            "database": "postgresql",
            "serve_workers": args.workers,
            "step_seconds": args.step_seconds,
            "limits": {"p95_ms": P95_LIMIT_MS, "error_rate": ERROR_LIMIT},
            "cpus": os.cpu_count(),
            "mix": mix,
            "bare": bare,
        }
        results = BENCH / "results" / "load-postgresql.json"
        results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        sustained = mix["sustained"] or {"rps": 0, "users": 0, "p95_ms": 0, "failures": 0}
        baseline = bare["sustained"] or {"rps": 0, "users": 0}
        print(
            f"\nsustained mix: {sustained['rps']} req/s at {sustained['users']} users "
            f"(p95 {sustained['p95_ms']:.0f} ms, {sustained['failures']} errors); "
            f"bare view: {baseline['rps']} req/s at {baseline['users']} users. -> {results}"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as db:
                db.execute(
                    f'DROP DATABASE IF EXISTS "{urlsplit(database_url).path[1:]}" WITH (FORCE)'
                )
        finally:
            if started_pg is not None:
                subprocess.run(
                    ["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", str(started_pg)],
                    cwd=ROOT,
                    capture_output=True,
                )
            shutil.rmtree(data_dir, ignore_errors=True)


def _has_locust() -> bool:
    try:
        import locust  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
