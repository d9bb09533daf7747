"""Procrastinate on PostgreSQL, with real worker processes (``sayso worker``) against the test
database: a worker SIGKILLed inside a task and a new one started runs it again, once in
effect; a failing task is retried with back-off, then a dead letter retried from the web;
three workers started at once enqueue each periodic task once per period."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from sayso.core.models import DeadLetter

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(os.name != "posix", reason="signals")]
ROOT = Path(__file__).resolve().parents[2]
PROCRASTINATE = "sayso.core.task_engine.procrastinate_engine.ProcrastinateBackend"


@pytest.fixture
def procrastinate(settings: Any, db: Any) -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("Procrastinate needs PostgreSQL (DATABASE_URL)")
    settings.TASKS = {"default": {"BACKEND": PROCRASTINATE}}
    _clean()
    yield
    _clean()


def _clean() -> None:
    with connection.cursor() as cursor:
        for table in (
            "procrastinate_periodic_defers",
            "procrastinate_jobs",
            "procrastinate_workers",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": url,
        "SAYSO_DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        "SAYSO_EXTRA_TASK_MODULES": "tests.core.engine_tasks",
        "SAYSO_TASKS_HEARTBEAT_SECONDS": "1",
        "SAYSO_TASKS_STALLED_SECONDS": "3",
        "SAYSO_TASKS_POLL_SECONDS": "1",
        **extra,
    }


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    sayso = Path(sys.executable).with_name("sayso")
    if not sayso.exists():
        pytest.skip("the sayso console script is not installed in this environment")

    def start(*args: str, **env: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [str(sayso), "worker", *args], env=_env(tmp_path, **env), stdout=log, stderr=log
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


def _wait(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _jobs(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _status(job_id: str) -> list[tuple[Any, ...]]:
    return _jobs("SELECT status FROM procrastinate_jobs WHERE id = %s", (int(job_id),))


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_a_task_and_a_new_one_run_it_once_in_effect(
    procrastinate: None, workers: Any, tmp_path: Path
) -> None:
    from tests.core.engine_tasks import wait_for_release

    job = wait_for_release.enqueue(str(tmp_path))
    first = workers("--no-scheduler", "--queues", "default")
    _wait(lambda: len(_lines(tmp_path / "started")) == 1, 120, "the task to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert _status(job.id) == [("doing",)]

    (tmp_path / "release").touch()
    workers("--no-scheduler", "--queues", "default")
    _wait(lambda: bool(_lines(tmp_path / "done")), 120, "the task to be run again")
    _wait(lambda: _status(job.id) == [("succeeded",)], 30, "the job to succeed")

    assert len(_lines(tmp_path / "started")) == 2
    assert len(_lines(tmp_path / "done")) == 1
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_retried_with_backoff_then_a_dead_letter_retried_from_the_web(
    procrastinate: None, workers: Any, tmp_path: Path, org: Any, admin_user: Any
) -> None:
    from tests.core.engine_tasks import always_fails

    always_fails.enqueue(str(tmp_path), organization_id=org.pk)
    workers("--no-scheduler")
    _wait(lambda: DeadLetter.objects.exists(), 120, "the dead letter")

    times = [float(t) for t in _lines(tmp_path / "attempts")]
    assert len(times) == 3  # max_attempts=3
    assert times[1] - times[0] >= 0.9  # back-off 1 s
    assert times[2] - times[1] >= 1.9  # then 2 s
    dead = DeadLetter.objects.get()
    assert (dead.engine, dead.organization, dead.attempts) == ("procrastinate", org, 3)
    assert dead.enqueued_at is not None and dead.enqueued_at < dead.failed_at
    assert "the receiving service said no" in dead.error

    client = Client()
    client.force_login(admin_user)
    assert str(tmp_path) in client.get(f"/staff/{org.slug}/tasks/dead/").content.decode()
    assert client.post(f"/staff/{org.slug}/tasks/dead/{dead.pk}/retry/").status_code == 302

    _wait(lambda: len(_lines(tmp_path / "attempts")) == 4, 60, "the retried run")
    _wait(
        lambda: DeadLetter.objects.filter(pk=dead.pk, retried_at__isnull=True).exists(),
        30,
        "the retried run to fail again",
    )


@pytest.mark.django_db(transaction=True)
def test_three_workers_enqueue_each_periodic_task_once_per_period(
    procrastinate: None, workers: Any, tmp_path: Path
) -> None:
    interval = 2
    started = [
        workers("--concurrency", "2", SAYSO_SCHEDULER_INTERVAL_SECONDS=str(interval))
        for _ in range(3)
    ]
    _wait(lambda: len(_jobs("SELECT id FROM procrastinate_workers")) == 3, 120, "three workers")
    began = time.monotonic()
    time.sleep(10)
    elapsed = time.monotonic() - began
    for process in started:
        process.send_signal(signal.SIGTERM)
    for process in started:
        process.wait(timeout=60)

    counts = dict(
        _jobs(
            "SELECT task_name, count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'sayso.conversations.tasks.check_commitments' GROUP BY task_name"
        )
    )
    periods = elapsed / interval
    # Once per period (plus the period each worker was in as it started), not three times.
    assert 3 <= counts["sayso.conversations.tasks.check_commitments"] <= periods + 3
    doubled = _jobs(
        "SELECT task_name, defer_timestamp FROM procrastinate_periodic_defers "
        "GROUP BY task_name, defer_timestamp HAVING count(*) > 1"
    )
    assert doubled == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_an_analysis_and_a_new_one_analyze_the_message_once(
    procrastinate: None, workers: Any, org: Any
) -> None:
    from sayso.intelligence.models import MessageAnalysis
    from sayso.intelligence.tasks import analyze_message
    from tests import factories

    case = factories.make_case(org, body="My truck booking vanished and nobody calls back.")
    message = case.messages.get()
    _clean()  # only this test's job: not the ones the new message queued
    MessageAnalysis.objects.all().delete()
    job = analyze_message.enqueue(message.pk)
    first = workers("--no-scheduler", "--queues", "analysis")
    _wait(lambda: _status(job.id) == [("doing",)], 120, "the analysis to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)

    workers("--no-scheduler", "--queues", "analysis")
    _wait(lambda: _status(job.id) == [("succeeded",)], 180, "the analysis to be run again")

    assert MessageAnalysis.objects.filter(message=message).count() == 1
    assert _jobs("SELECT attempts FROM procrastinate_jobs WHERE id = %s", (int(job.id),)) == [(2,)]


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_under_a_tasks_former_path_is_run_by_a_new_worker(
    procrastinate: None, workers: Any, org: Any
) -> None:
    """A job the version before issue 23 enqueued names analyze_message's old path; the
    task's ``former_paths`` make it an alias, so the worker runs it (tests/core/
    test_task_former_paths.py does the same on the embedded engine)."""
    from sayso.intelligence.models import MessageAnalysis
    from sayso.intelligence.tasks import analyze_message
    from tests import factories

    case = factories.make_case(org, body="My truck booking vanished and nobody calls back.")
    message = case.messages.get()
    _clean()  # only this test's job: not the ones the new message queued
    MessageAnalysis.objects.all().delete()
    job = analyze_message.enqueue(message.pk)
    old = "sayso.intelligence.analysis_tasks.analyze_message"
    updated = _jobs(
        "UPDATE procrastinate_jobs SET task_name = %s WHERE id = %s RETURNING id",
        (old, int(job.id)),
    )
    assert updated == [(int(job.id),)]

    workers("--no-scheduler", "--queues", "analysis")
    _wait(lambda: _status(job.id) == [("succeeded",)], 180, "the old job to be run")

    assert MessageAnalysis.objects.filter(message=message).count() == 1


INGEST_ITEMS = 500


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_an_ingest_batch_leaves_each_item_once_and_loses_none(
    procrastinate: None, workers: Any, org: Any, settings: Any
) -> None:
    from django.utils import timezone

    from sayso.listening.models import Mention, Source
    from sayso.listening.services import source_create, term_add
    from sayso.listening.tasks import poll_source
    from tests.listening.feeds import atom
    from tests.listening.stand_in import Reply, StandIn

    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    entries = [
        {
            "id": f"urn:post:{n}",
            "title": f"Post {n}",
            "author": f"Writer {n % 17}",
            "author_uri": f"https://writer{n % 17}.example.net/",
            "html": f"Haulright lost my truck booking number {n}; nobody answers the phone.",
        }
        for n in range(INGEST_ITEMS)
    ]
    allow = {"SAYSO_OUTBOUND_ALLOW": "127.0.0.1/32"}
    with StandIn() as stand_in:
        stand_in.route(
            "/feed", Reply(body=atom(entries), headers={"Content-Type": "application/atom+xml"})
        )
        term_add(organization=org, kind="brand", term="Haulright")
        source = source_create(
            organization=org, name="Forum", kind="rss", url=f"{stand_in.url}/feed"
        )
        _clean()
        job = poll_source.enqueue(source.pk)
        first = workers("--no-scheduler", "--queues", "ingest", **allow)
        _wait(lambda: Mention.objects.exists(), 240, "the batch to start storing")
        assert _status(job.id) == [("doing",)]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = Mention.objects.count()
        assert 0 < killed_at < INGEST_ITEMS

        workers("--no-scheduler", "--queues", "ingest", **allow)
        # Run again: the source is still leased to the killed poll, so nothing is doubled.
        _wait(lambda: _status(job.id) == [("succeeded",)], 120, "the poll to be run again")
        assert Mention.objects.count() == killed_at
        # The lease runs out (fast-forwarded here): the next poll takes the batch up again.
        Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
        again = poll_source.enqueue(source.pk)
        _wait(lambda: _status(again.id) == [("succeeded",)], 300, "the next poll")

    assert Mention.objects.count() == INGEST_ITEMS
    assert Mention.objects.values("external_id").distinct().count() == INGEST_ITEMS
