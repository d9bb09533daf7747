"""The embedded engine's worker: django-tasks-db's ``db_worker``, which finds a job's task by
importing the dotted path stored with it, and here also runs a job stored under a task's
former path (``sayso_task(former_paths=...)``, enqueued before a release moved the task): the
row is moved to the task's path now as the worker takes it, then run as usual.

Imported only by ``sayso worker`` (it loads django-tasks-db's models)."""

from __future__ import annotations

from typing import Any

from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from sayso.core.task_engine.policy import current_task_path


class EmbeddedWorker(Worker):
    def run_task(self, db_task_result: DBTaskResult) -> None:
        path = current_task_path(db_task_result.task_path)
        if path != db_task_result.task_path:
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(task_path=path)
            db_task_result.task_path = path
        super().run_task(db_task_result)


def worker_run(
    *, queues: list[str], interval: float, batch: bool, verbosity: int, out: Any
) -> None:
    """What ``db_worker --queue-name QUEUES --interval I [--batch] --no-reload`` runs, with the
    ``EmbeddedWorker``: every queue when ``queues`` is empty."""
    DbWorkerCommand(stdout=out).configure_logging(verbosity)
    worker = EmbeddedWorker(
        queue_names=queues or ["*"],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=True,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()
