"""``sayso listen --once`` run as a real process with its output going to pipes (a log, cron, a
container), against stand-in feeds on 127.0.0.1: one line per source (fetched, new, duplicates,
errors, time) and one line of totals on stdout; no progress-bar redraws and no HTTP client line
per fetch on stderr. The process has its own SQLite file (it cannot see the test transaction)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn

SETUP = """
from sayso.core.models import Organization
from sayso.listening.services import source_create, term_add
org = Organization.objects.create(name="Haulright", slug="haulright")
term_add(organization=org, kind="brand", term="Haulright")
for n in range(3):
    source_create(organization=org, name=f"Blog {{n}}", kind="rss", url=f"{url}/feed/{{n}}")
source_create(organization=org, name="Gone", kind="rss", url="{url}/gone")
"""

LINE = re.compile(
    r"^Blog \d: (\d+) fetched, (\d+) new, (\d+) duplicate\(s\), (\d+) error\(s\) "
    r"in \d+\.\d+s \(.*\)$"
)


def test_one_summary_line_per_source_and_nothing_per_request(
    tmp_path: Path, stand_in: StandIn
) -> None:
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")
    for n in range(3):
        entries = [
            {
                "id": f"urn:blog{n}:{k}",
                "title": f"Post {k}",
                "author": f"Writer {n}",
                "author_uri": f"https://writer{n}.example.net/",
                "html": f"<p>Haulright lost booking {n}-{k}; nobody answers the phone.</p>",
            }
            for k in range(4)
        ]
        stand_in.route(
            f"/feed/{n}",
            Reply(body=atom(entries), headers={"Content-Type": "application/atom+xml"}),
        )
    stand_in.route("/gone", Reply(404))
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SAYSO_LOG_LEVEL"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sayso.sqlite3'}",
        "SAYSO_DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "SAYSO_OUTBOUND_ALLOW": "127.0.0.1/32",
        # INFO is the default level: the HTTP clients' request lines would show at it.
        "SAYSO_LOG_LEVEL": "INFO",
    }
    subprocess.run([str(sayso), "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [str(sayso), "shell", "-c", SETUP.format(url=stand_in.url)],
        env=env,
        check=True,
        timeout=120,
    )

    runs = []
    for _ in range(2):
        # No --no-progress: the bar is left out because stderr is not a terminal.
        done = subprocess.run(
            [str(sayso), "listen", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        runs.append(done)

    for run, (new, duplicates) in zip(runs, [(4, 0), (0, 4)], strict=True):
        lines = run.stdout.splitlines()
        assert len(lines) == 5, run.stdout
        for line in lines[:3]:
            found = LINE.match(line)
            assert found, line
            assert found.groups() == ("4", str(new), str(duplicates), "0")
        assert lines[3].startswith("Gone: failed in ") and "HTTP 404" in lines[3]
        assert lines[4].startswith(
            f"4 source(s) polled, 1 failed; {3 * new} new item(s) stored, "
            f"{3 * duplicates} duplicate(s), 0 error(s);"
        )
        assert re.search(r"; \d+\.\d+s\.$", lines[4])
        # Nothing per request or per redraw on stderr.
        assert "HTTP Request" not in run.stderr
        assert "Listening" not in run.stderr and "source/s" not in run.stderr
        assert len(run.stderr.splitlines()) <= 2, run.stderr
