"""Sayso's task engine: background work behind the ``django.tasks`` API, at least once.

Application code defines and enqueues tasks exactly as with ``django.tasks``; the only Sayso
addition is the policy of each kind of task, declared where the task is defined::

    from sayso.core.task_engine import sayso_task

    @sayso_task(queue="email", priority=10, max_attempts=10, backoff=30, backoff_max=3600,
                organization_from=("conversations.Message", "message_id"))
    def send_reply_email(message_id: int) -> bool: ...

    send_reply_email.enqueue(message.pk)          # unchanged; use transaction.on_commit

- ``queue``: one of ``QUEUES`` (email, ingest, analysis, webhooks, maintenance, default);
  ``sayso worker --queues email,ingest`` selects queues.
- ``priority``: -100..100, higher first within a queue.
- ``max_attempts`` and ``backoff``: a task that raises is tried again after
  ``backoff * 2**(attempt-1)`` seconds (at most ``backoff_max``) until it has been tried
  ``max_attempts`` times; then it is a *dead letter*: listed on the staff page
  ``/staff/<org>/tasks/dead/``, ``GET /api/v1/tasks/dead`` and ``sayso tasks dead``, and can be
  retried from each (``sayso tasks retry ID``). A task whose worker died mid-run is run again
  (at least once), so every task must be safe to run twice in effect.
- ``periodic``: ``True`` to run once every scheduler interval
  (``SAYSO_SCHEDULER_INTERVAL_SECONDS``), or a cron expression; enqueued once per period
  however many workers run.
- ``organization_from``: for a task without an ``organization_id`` argument, the row naming its
  organization, ``("app_label.Model", "argument")``; organization admins see the dead letters of
  their own organization only.
- ``former_paths``: the dotted paths of a task a release moved; jobs enqueued under them before
  the upgrade run the task at its new path (Procrastinate's task aliases; the embedded worker
  moves such a job to the new path as it takes it).

``task_policy(task)`` reads a task's policy. The engine is chosen from the database
(``sayso.core.task_engine.backends``): Procrastinate on PostgreSQL, the embedded
django-tasks-db queue on SQLite (one worker), overridable with ``SAYSO_TASKS_BACKEND``.
docs/design.md ("Background work") says why.
"""

from __future__ import annotations

from sayso.core.task_engine.policy import (
    QUEUES,
    TaskPolicy,
    current_task_path,
    former_task_paths,
    periodic_task_paths,
    registered_tasks,
    sayso_task,
    task_by_path,
    task_policy,
)

__all__ = [
    "QUEUES",
    "TaskPolicy",
    "current_task_path",
    "former_task_paths",
    "periodic_task_paths",
    "registered_tasks",
    "sayso_task",
    "task_by_path",
    "task_policy",
]
