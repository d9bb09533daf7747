"""Periodic tasks: what the worker's scheduler enqueues every interval.

Each task is safe to run any number of times, so a missed or doubled tick does no harm; cron
users can run `sayso tick` instead of the scheduler.
"""

from __future__ import annotations

from typing import Any


def periodic_tasks() -> list[Any]:
    from sayso.community.tasks import send_digests
    from sayso.conversations.tasks import check_commitments
    from sayso.core.tasks import refresh_planner_statistics
    from sayso.listening.tasks import poll_sources
    from sayso.webhooks.tasks import deliver_due, prune_log

    return [
        check_commitments,
        send_digests,
        poll_sources,
        refresh_planner_statistics,
        deliver_due,
        prune_log,
    ]


def enqueue_periodic_tasks() -> int:
    tasks = periodic_tasks()
    for task in tasks:
        task.enqueue()
    return len(tasks)
