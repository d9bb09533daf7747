"""The embedded engine: django-tasks-db's database queue (SQLite by default) with Sayso's
additions so one worker keeps the same guarantees as Procrastinate on PostgreSQL.

- each task gets its policy's queue and priority, and the id of the organization it works for
  (kept in the row's ``args_kwargs`` beside the arguments);
- a task that raises is set READY again with ``run_after`` = now + its back-off until it has
  been tried ``max_attempts`` times (django-tasks-db counts a try per worker id it records),
  then it stays FAILED and becomes a dead letter;
- ``abandoned_tasks_recover`` (run by ``sayso worker`` as it starts) puts back what a dead
  worker left RUNNING. The embedded mode runs ONE worker: a second one would take the first's
  running tasks for abandoned. Several workers need PostgreSQL and Procrastinate.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued

from sayso.core.task_engine.common import (
    dead_letter_record,
    organization_id_for,
    task_with_policy,
)
from sayso.core.task_engine.policy import task_policy

ENGINE = "embedded"
WORKER_DIED = "sayso.core.task_engine.WorkerDied: the worker running it stopped"


class EmbeddedBackend(DatabaseBackend):
    """django-tasks-db's ``DatabaseBackend`` that applies each task's policy."""

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, {"QUEUES": [], **params})

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult, get_date_max

        task, policy = task_with_policy(task)
        self.validate_task(task)
        payload: dict[str, Any] = dict(normalize_json({"args": args, "kwargs": kwargs}))  # type: ignore[arg-type]
        organization_id = organization_id_for(task, policy, args, kwargs)
        if organization_id is not None:
            payload["organization_id"] = organization_id
        db_result = DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=payload,
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=self.alias,
        )
        result = db_result.task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    async def aenqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        return await sync_to_async(self.enqueue, thread_sensitive=True)(task, args, kwargs)


def _retry_or_bury(row: Any, *, error: str, traceback: str, wait: bool = True) -> str:
    """After a failed or abandoned try: READY again after the back-off, or a dead letter."""
    from django_tasks_db.models import DBTaskResult

    policy = task_policy(row.task_path)
    attempts = len(row.worker_ids)
    if attempts < policy.max_attempts:
        DBTaskResult.objects.filter(pk=row.pk).update(
            status=TaskResultStatus.READY,
            run_after=timezone.now() + timedelta(seconds=policy.backoff(attempts) if wait else 0),
            started_at=None,
            finished_at=None,
        )
        return "retry"
    now = timezone.now()
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=error.partition(":")[0],
        traceback=traceback,
    )
    dead_letter_record(
        engine=ENGINE,
        job_id=str(row.pk),
        task_path=row.task_path,
        queue=row.queue_name,
        organization_id=row.args_kwargs.get("organization_id"),
        arguments={
            "args": row.args_kwargs.get("args", []),
            "kwargs": row.args_kwargs.get("kwargs", {}),
        },
        attempts=attempts,
        error=error,
        traceback=traceback,
        enqueued_at=row.enqueued_at,
    )
    return "dead"


def _on_task_finished(sender: type, task_result: Any, **kwargs: Any) -> None:
    if not (isinstance(sender, type) and issubclass(sender, EmbeddedBackend)):
        return
    if task_result.status != TaskResultStatus.FAILED:
        return
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(pk=task_result.id).first()
    if row is None:
        return
    last_line = (row.traceback.strip().splitlines() or [row.exception_class_path])[-1]
    _retry_or_bury(row, error=last_line[:2000], traceback=row.traceback)


task_finished.connect(_on_task_finished, dispatch_uid="sayso.core.task_engine.embedded")


def abandoned_tasks_recover(*, backend_alias: str = "default") -> int:
    """Put back the tasks a dead worker left RUNNING (as a failed try: READY again, or a dead
    letter once its attempts are spent). Run by the single embedded worker as it starts."""
    from django_tasks_db.models import DBTaskResult

    count = 0
    for row in DBTaskResult.objects.running().filter(backend_name=backend_alias):
        _retry_or_bury(row, error=WORKER_DIED, traceback="", wait=False)
        count += 1
    return count


def dead_task_retry(job_id: str) -> bool:
    """Run a dead letter's task once more (its row READY again, now)."""
    from django_tasks_db.models import DBTaskResult

    return bool(
        DBTaskResult.objects.filter(pk=job_id, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None
        )
    )


def finished_tasks_prune(*, older_than: timedelta) -> int:
    """Delete the results of tasks that succeeded longer ago than ``older_than``."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
