"""The embedded engine (django-tasks-db, SQLite by default) keeps Sayso's guarantees for one
worker: the policy's queue and priority, retries with back-off, dead letters, and tasks a
dead worker left running put back when the worker starts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sayso.core.models import DeadLetter
from sayso.core.task_engine import TaskPolicy, task_policy
from tests.core.engine_tasks import always_fails, fails_fast, wait_for_release


@pytest.fixture
def embedded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_backoff_doubles_up_to_its_maximum() -> None:
    policy = TaskPolicy(backoff_seconds=30, backoff_max_seconds=300)
    assert [policy.backoff(n) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_every_task_of_every_app_has_a_known_queue() -> None:
    from sayso.core.task_engine import QUEUES, registered_tasks

    policies = registered_tasks()
    assert "sayso.conversations.tasks.send_reply_email" in policies
    assert task_policy("sayso.conversations.tasks.send_reply_email").queue == "email"
    assert task_policy("sayso.intelligence.tasks.analyze_message").queue == "analysis"
    assert task_policy("sayso.listening.tasks.poll_source").queue == "ingest"
    assert all(policy.queue in QUEUES for policy in policies.values())


@pytest.mark.django_db(transaction=True)
def test_enqueue_takes_the_policys_queue_and_the_organization(
    org: Any, embedded: None, tmp_path: Path
) -> None:
    result = fails_fast.enqueue(str(tmp_path), organization_id=org.pk)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.queue_name == "email"
    assert row.args_kwargs["organization_id"] == org.pk
    # A caller's own queue wins over the policy's.
    other = fails_fast.using(queue_name="maintenance").enqueue(str(tmp_path))
    assert DBTaskResult.objects.get(pk=other.id).queue_name == "maintenance"


@pytest.mark.django_db(transaction=True)
def test_a_failed_try_waits_its_backoff_before_the_next(embedded: None, tmp_path: Path) -> None:
    result = always_fails.enqueue(str(tmp_path))
    before = timezone.now()

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    assert len(_lines(tmp_path / "attempts")) == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY"  # to be tried again, not before its back-off (1 s)
    assert before + timedelta(seconds=0.5) < row.run_after < timezone.now() + timedelta(seconds=1)
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_out_of_attempts_is_a_dead_letter_and_a_retry_runs_it_again(
    org: Any, embedded: None, tmp_path: Path
) -> None:
    result = fails_fast.enqueue(str(tmp_path), organization_id=org.pk)

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    assert len(_lines(tmp_path / "attempts")) == 2  # max_attempts=2, no back-off
    dead = DeadLetter.objects.get()
    assert (dead.engine, dead.job_id) == ("embedded", str(result.id))
    assert dead.organization == org
    assert dead.attempts == 2
    assert "the receiving service said no" in dead.error
    assert dead.arguments == {"args": [str(tmp_path)], "kwargs": {"organization_id": org.pk}}

    call_command("tasks", "retry", str(dead.pk))
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    assert len(_lines(tmp_path / "attempts")) == 3
    dead.refresh_from_db()
    assert dead.retried_at is None  # failed again: open again
    assert dead.attempts == 3


@pytest.mark.django_db(transaction=True)
def test_a_task_a_dead_worker_left_running_runs_again_when_the_worker_starts(
    embedded: None, tmp_path: Path
) -> None:
    (tmp_path / "release").touch()
    result = wait_for_release.enqueue(str(tmp_path))
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=["killed-worker"]
    )

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL"
    assert len(row.worker_ids) == 2
    assert len(_lines(tmp_path / "done")) == 1
