"""Periodic tasks: each app declares its own (``sayso_task(periodic=...)`` in its tasks
module); this module collects them and, for the embedded engine, enqueues each once per period
however many schedulers run (a ``PeriodicRun`` row per task and period, inserted in the same
transaction as the enqueue). On PostgreSQL, Procrastinate's periodic deferrer does the same
inside every worker (``sayso.core.task_engine.procrastinate_engine``). Cron users can run
``sayso tick`` instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sayso.core.task_engine import periodic_task_paths, task_by_path
from sayso.core.task_engine.policy import TaskPolicy


def periodic_tasks() -> list[Any]:
    """Every periodic task the apps declared."""
    return [task_by_path(path) for path in periodic_task_paths()]


def period_start(policy: TaskPolicy, now: datetime) -> datetime:
    """The start of the period ``now`` falls in: a multiple of the scheduler interval since
    the epoch, or the cron schedule's latest time at or before ``now``."""
    if isinstance(policy.periodic, str):
        from croniter import croniter

        start = croniter(policy.periodic, now).get_prev(datetime)
        return start if timezone.is_aware(start) else start.replace(tzinfo=UTC)
    interval = max(1, int(settings.SAYSO_SCHEDULER_INTERVAL_SECONDS))
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % interval, tz=UTC)


def enqueue_periodic_tasks(*, now: datetime | None = None) -> int:
    """Enqueue every periodic task whose current period nobody enqueued yet; returns how many
    this call enqueued."""
    from sayso.core.models import PeriodicRun

    now = now or timezone.now()
    enqueued = 0
    for path, policy in periodic_task_paths().items():
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(task_path=path, period_start=period_start(policy, now))
                task_by_path(path).enqueue()
        except IntegrityError:
            continue
        enqueued += 1
    return enqueued
