"""Fault injection with real processes on PostgreSQL (Procrastinate): a worker SIGKILLed while
its webhook request is in flight, and a new worker started, deliver the event once in effect.

The receiver sees the same ``webhook-id`` twice (the first request never got its answer back
to Sayso), which is why receivers handle each id once; the delivery log shows the interrupted
attempt and one success, and the delivery is recorded as succeeded once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from sayso.conversations.services import case_open
from sayso.webhooks.models import AttemptOutcome, Delivery, DeliveryStatus
from sayso.webhooks.services import endpoint_create
from tests.core.test_task_engine_postgres import _wait
from tests.listening.stand_in import Reply, Request
from tests.webhooks.conftest import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(os.name != "posix", reason="signals")]
ROOT = Path(__file__).resolve().parents[2]
PROCRASTINATE = "sayso.core.task_engine.procrastinate_engine.ProcrastinateBackend"
TIMEOUT_SECONDS = 5


@pytest.fixture
def procrastinate(settings: Any, db: Any) -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("the production engine (Procrastinate) needs PostgreSQL (DATABASE_URL)")
    settings.TASKS = {"default": {"BACKEND": PROCRASTINATE}}
    settings.SAYSO_WEBHOOK_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    _clean()
    yield
    _clean()


def _clean() -> None:
    with connection.cursor() as cursor:
        for table in ("procrastinate_periodic_defers", "procrastinate_jobs"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


def _worker(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SAYSO_DATA_DIR": str(tmp_path),
        # The key the endpoint's secret was sealed with (not a new one of the data directory).
        "SAYSO_ENCRYPTION_KEY": str(django_settings.SAYSO_ENCRYPTION_KEY),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "SAYSO_OUTBOUND_ALLOW": "127.0.0.1/32",
        "SAYSO_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "SAYSO_TASKS_HEARTBEAT_SECONDS": "1",
        "SAYSO_TASKS_STALLED_SECONDS": "3",
        "SAYSO_TASKS_POLL_SECONDS": "1",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [str(sayso), "worker", "--no-scheduler", "--queues", "webhooks"],
        env=env,
        stdout=log,
        stderr=log,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_request_and_a_new_one_deliver_once_in_effect(
    procrastinate: None, org: Any, customer: Any, receiver: Receiver, tmp_path: Path
) -> None:
    endpoint, secret = endpoint_create(organization=org, url=receiver.url("/hook"))
    arrived = threading.Event()
    release = threading.Event()

    def answer(request: Request) -> Reply:
        if not arrived.is_set():
            arrived.set()
            release.wait(60)  # the first request hangs until its worker is dead
        return Reply(200, "thanks")

    receiver.listen("/hook", secret)
    receiver.server.route("/hook", answer)

    case_open(organization=org, customer=customer, subject="Truck broke down")  # commits
    delivery = Delivery.objects.get()
    first = _worker(tmp_path, "first")
    second: subprocess.Popen[bytes] | None = None
    try:
        assert arrived.wait(120), "the first worker never sent the request"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        release.set()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING
        assert [a.outcome for a in delivery.attempts.all()] == [AttemptOutcome.SENDING]

        second = _worker(tmp_path, "second")
        _wait(
            lambda: Delivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.SUCCEEDED
            ).exists(),
            120,
            "the new worker to deliver",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)

    delivery.refresh_from_db()
    attempts = list(delivery.attempts.all())
    assert [a.outcome for a in attempts] == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED]
    assert [a.number for a in attempts] == [1, 2]
    assert attempts[1].response_status == 200 and attempts[1].response_body == "thanks"
    # The receiver got the same message twice, signed both times: one webhook-id.
    requests = receiver.server.calls("/hook")
    assert len(requests) == 2
    assert {r.headers["webhook-id"] for r in requests} == {delivery.event.webhook_id}
    assert [body["type"] for body in receiver.received("/hook")] == ["case.opened"] * 2
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None
