"""A worker SIGKILLed in the middle of a reply's (or a staff alert's) SMTP exchange — after the server took the
message, before the worker heard the answer — leaves the mail "sending"; once the lease is
over the sweep sends it again with the same Message-ID and it is delivered. The recipient's
server holds at most two copies with one Message-ID (what readers de-duplicate on), and the
mail is never left "sending" for good (docs/email.md, "Outgoing mail").

Real processes (``sayso shell``) against their own SQLite file, as in
tests/listening/test_exactly_once_after_kill.py, and, when the suite runs on PostgreSQL
(.ci/run), against a database of their own on that server; a real SMTP server (aiosmtpd) on
127.0.0.1 in this process holds the exchange open until the worker is killed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.test_email_smtp import smtp_server
from tests.core.test_backup_round_trip import scratch_postgres  # noqa: F401 - a fixture

LEASE = 2

SETUP = """
from sayso.conversations.services import message_reply
from sayso.core.models import Role
from sayso.notifications.models import OutgoingMail
from tests import factories
org = factories.make_org("Haulright Trucks", "haulright")
agent = factories.make_member(org, Role.AGENT, username="raj").user
customer = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")
case = factories.make_case(org, customer, subject="Truck never came")
reply = message_reply(case=case, author=agent, body="A new truck comes at 9.")
print(OutgoingMail.objects.get(case_message=reply).pk)
"""

# A hand-off alert to the agent: the other kind of mail the outbox sends for a case.
ALERT_SETUP = """
from sayso.core.models import Role
from sayso.notifications.models import OutgoingMail
from sayso.notifications.services import alert_send
from tests import factories
org = factories.make_org("Haulright Trucks", "haulright")
agent = factories.make_member(org, Role.AGENT, username="raj").user
agent.email = "raj@haulright.example"
agent.save(update_fields=["email"])
customer = factories.make_customer(org, "Dana Whitfield", "dana@whitfield.example")
case = factories.make_case(org, customer, subject="Truck never came")
alert, _ = alert_send(
    organization=org, recipient=agent, kind="handoff", text="Dana's case is yours now.",
    dedupe_key="handoff:kill", case=case,
)
print(OutgoingMail.objects.get(alert=alert).pk)
"""


@dataclass
class HoldingServer:
    """Takes the message, then holds its answer until ``release`` is set (the worker is
    killed meanwhile); every later message is accepted at once."""

    received: list[bytes] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(bytes(envelope.content))
        if len(self.received) == 1:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 2.0.0 Queued"


@dataclass
class Store:
    """The database the processes share, read from this process."""

    url: str
    path: Path | None = None  # SQLite

    def one(self, sql: str, *params: Any) -> tuple[Any, ...]:
        if self.path is not None:
            with sqlite3.connect(self.path, timeout=20) as connection:
                return tuple(connection.execute(sql, params).fetchone())
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            row = connection.execute(sql.replace("?", "%s"), params).fetchone()
        assert row is not None
        return tuple(row)

    def mail(self, mail_id: int) -> tuple[str, int]:
        state, attempts = self.one(
            "SELECT state, attempts FROM notifications_outgoingmail WHERE id = ?", mail_id
        )
        return str(state), int(attempts)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: Any, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        path = tmp_path / "sayso.sqlite3"
        yield Store(f"sqlite:///{path}", path)
        return
    # A database of its own on the suite's PostgreSQL server (skipped on SQLite).
    yield Store(request.getfixturevalue("scratch_postgres"))


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize(
    ("worker_kind", "mail_kind"), [("task", "reply"), ("engine", "reply"), ("task", "alert")]
)
def test_a_worker_killed_mid_exchange_leaves_one_mail_delivered_not_stuck(
    tmp_path: Path, store: Store, worker_kind: str, mail_kind: str
) -> None:
    """``task``: a process running the send task by itself, then the sweep in another;
    ``engine``: ``sayso worker`` on the embedded engine (SQLite), killed, then
    ``sayso worker --batch`` (the engine puts back the task the dead worker held, and the
    scheduler's sweep runs)."""
    if worker_kind == "engine" and store.path is None:
        pytest.skip("the engine variant runs on the embedded engine (SQLite)")
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")
    root = Path(__file__).resolve().parents[2]
    server = HoldingServer()
    with smtp_server(server) as port:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": store.url,
            "SAYSO_DATA_DIR": str(tmp_path),
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(root),
            "SAYSO_EMAIL_HOST": "127.0.0.1",
            "SAYSO_EMAIL_PORT": str(port),
            "SAYSO_EMAIL_TIMEOUT": "60",
            "SAYSO_MAIL_SENDING_LEASE_SECONDS": str(LEASE),
            "SAYSO_MAIL_RETRY_SECONDS": "0",
            # Tasks run in the process that enqueues them: each process below is the worker.
            "SAYSO_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        }

        def run(code: str, **extra: str) -> str:
            done = subprocess.run(
                [str(sayso), "shell", "-c", code],
                env={**env, **extra},
                cwd=root,
                check=True,
                timeout=300,
                capture_output=True,
                text=True,
            )
            return done.stdout

        engine = {k: v for k, v in env.items() if k != "SAYSO_TASKS_BACKEND"}

        def run_worker(*args: str) -> None:
            subprocess.run(
                [str(sayso), "worker", *args],
                env=engine,
                cwd=root,
                check=True,
                timeout=300,
                capture_output=True,
            )

        subprocess.run([str(sayso), "migrate", "-v0"], env=env, cwd=root, check=True, timeout=600)
        if worker_kind == "task":
            # The reply is queued; nothing runs its send task here.
            setup = run(
                SETUP if mail_kind == "reply" else ALERT_SETUP,
                SAYSO_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
            )
            command = [
                "shell",
                "-c",
                "from sayso.notifications.tasks import send_mail; send_mail.call({mail_id})",
            ]
        else:
            # The reply's send task waits in the engine's queue for a worker.
            setup = run(SETUP, **{"SAYSO_TASKS_BACKEND": "embedded"})
            command = ["worker", "--queues", "email", "--no-scheduler"]
        mail_id = int(setup.split()[-1])
        assert store.mail(mail_id) == ("queued", 0)

        worker = subprocess.Popen(
            [str(sayso), *(part.format(mail_id=mail_id) for part in command)],
            env=env if worker_kind == "task" else engine,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert server.arrived.wait(timeout=240), "the worker never reached DATA"
            # The attempt was on record before the exchange began.
            assert store.mail(mail_id) == ("sending", 1)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
            server.release.set()
        assert store.mail(mail_id) == ("sending", 1)

        time.sleep(LEASE + 0.5)
        sweep = "from sayso.notifications.outbox import mail_send_due; print(mail_send_due())"
        if worker_kind == "task":
            assert run(sweep)
        else:
            run_worker("--batch", "--queues", "email")
        assert store.mail(mail_id) == ("delivered", 2)
        # Nothing is due any more: a further sweep sends nothing.
        assert run(sweep).split()[-1] == "0"

    ids = [
        str(message_from_bytes(raw, policy=policy.default)["Message-ID"]) for raw in server.received
    ]
    assert len(ids) == 2 and ids[0] == ids[1]
    if mail_kind == "alert":
        (emailed_at,) = store.one("SELECT emailed_at FROM notifications_alert")
        assert emailed_at is not None
        return
    external_id, delivered_at = store.one(
        "SELECT external_id, delivered_at FROM conversations_message WHERE direction = 'outbound'"
    )
    assert ids[0] == external_id and delivered_at is not None
