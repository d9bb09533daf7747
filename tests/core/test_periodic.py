"""Periodic tasks: each app declares its own; the embedded scheduler enqueues each once per
period however many schedulers run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sayso.core.scheduler import enqueue_periodic_tasks, periodic_tasks


def test_the_apps_declare_their_periodic_tasks() -> None:
    paths = {task.module_path for task in periodic_tasks()}
    assert {
        "sayso.conversations.tasks.check_commitments",
        "sayso.community.tasks.send_digests",
        "sayso.listening.tasks.poll_sources",
        "sayso.core.tasks.refresh_planner_statistics",
        "sayso.core.tasks.prune_task_results",
        "sayso.core.tasks.prune_sessions",
    } <= paths


@pytest.mark.django_db(transaction=True)
def test_three_schedulers_in_one_period_enqueue_each_periodic_task_once(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}
    settings.SAYSO_SCHEDULER_INTERVAL_SECONDS = 60
    now = timezone.now().replace(second=10)

    first = enqueue_periodic_tasks(now=now)
    assert enqueue_periodic_tasks(now=now + timedelta(seconds=5)) == 0
    assert enqueue_periodic_tasks(now=now + timedelta(seconds=40)) == 0

    assert first == len(periodic_tasks())
    per_task = DBTaskResult.objects.filter(task_path="sayso.conversations.tasks.check_commitments")
    assert per_task.count() == 1
    # The next period enqueues the every-interval tasks again, not the daily ones.
    enqueue_periodic_tasks(now=now + timedelta(seconds=60))
    assert per_task.count() == 2
    daily = DBTaskResult.objects.filter(task_path="sayso.core.tasks.prune_sessions")
    assert daily.count() == 1
