"""A worker killed (SIGKILL) in the middle of a batch and restarted leaves exactly one mention
(and at most one message) per item, and loses none.

The listener runs as a real ``sayso listen --once`` process against its own SQLite file (a
subprocess cannot see the test transaction's database); the guarantee rests on the unique
constraints, which PostgreSQL runs of the other tests exercise as well.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn

ITEMS = 500

SETUP = """
from sayso.core.models import Organization
from sayso.listening.services import source_create, term_add
org = Organization.objects.create(name="Haulright", slug="haulright")
term_add(organization=org, kind="brand", term="Haulright")
source_create(organization=org, name="Forum", kind="rss", url="{url}/feed")
"""


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=20) as connection:
        return int(connection.execute(sql).fetchone()[0])


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_listener_restarts_without_doubles_or_losses(
    tmp_path: Path, stand_in: StandIn
) -> None:
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")
    entries = [
        {
            "id": f"urn:post:{n}",
            "title": f"Post {n}",
            "author": f"Writer {n % 17}",
            "author_uri": f"https://writer{n % 17}.example.net/",
            "html": (
                f"Haulright lost my truck booking number {n}; nobody answers the phone."
                if n % 2
                else f"Day {n}: the Haulright van was clean and on time. Thanks!"
            ),
        }
        for n in range(ITEMS)
    ]
    stand_in.route(
        "/feed", Reply(body=atom(entries), headers={"Content-Type": "application/atom+xml"})
    )
    db = tmp_path / "sayso.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}},
        "DATABASE_URL": f"sqlite:///{db}",
        "SAYSO_DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        # The stand-in feed is on 127.0.0.1, which Sayso fetches from only when allowed.
        "SAYSO_OUTBOUND_ALLOW": "127.0.0.1/32",
    }
    subprocess.run([str(sayso), "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [str(sayso), "shell", "-c", SETUP.format(url=stand_in.url)],
        env=env,
        check=True,
        timeout=120,
    )

    listener = subprocess.Popen(
        [str(sayso), "listen", "--once", "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and listener.poll() is None:
        try:
            stored = _count(db, "SELECT COUNT(*) FROM listening_mention")
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 1:
            break
        time.sleep(0.05)
    assert listener.poll() is None, "the listener finished before it could be killed"
    listener.send_signal(signal.SIGKILL)
    listener.wait(timeout=30)
    killed_at = _count(db, "SELECT COUNT(*) FROM listening_mention")
    assert 0 < killed_at < ITEMS
    # The cursor was not saved: nothing says the batch was done.
    assert _count(db, "SELECT COUNT(*) FROM listening_source WHERE last_success_at IS NULL") == 1

    subprocess.run(
        [str(sayso), "listen", "--once", "--no-progress"],
        env=env,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    assert _count(db, "SELECT COUNT(*) FROM listening_mention") == ITEMS
    assert _count(db, "SELECT COUNT(DISTINCT external_id) FROM listening_mention") == ITEMS
    messages = _count(db, "SELECT COUNT(*) FROM conversations_message WHERE channel = 'rss'")
    assert messages == _count(
        db, "SELECT COUNT(DISTINCT external_id) FROM conversations_message WHERE channel = 'rss'"
    )
    assert messages == _count(
        db, "SELECT COUNT(*) FROM listening_mention WHERE message_id IS NOT NULL"
    )
    # Every message belongs to a mention, and no case was opened twice for one item.
    assert (
        _count(
            db,
            "SELECT COUNT(*) FROM conversations_message m WHERE m.channel = 'rss' AND NOT EXISTS "
            "(SELECT 1 FROM listening_mention x WHERE x.message_id = m.id)",
        )
        == 0
    )
