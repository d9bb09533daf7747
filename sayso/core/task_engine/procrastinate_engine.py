"""The production engine: Procrastinate on PostgreSQL behind a ``django.tasks`` backend.

- ``ProcrastinateBackend.enqueue`` defers a job named by the task's dotted path through
  Django's own connection (so an enqueue inside a transaction commits or rolls back with it),
  on the policy's queue and priority, with ``{"args", "kwargs", "organization_id"}`` as the
  job's arguments, into ``procrastinate_jobs`` (schema from ``procrastinate.contrib.django``'s
  migrations).
- ``worker_run`` registers every Sayso task with a retry strategy from its policy, each
  periodic task with Procrastinate's periodic deferrer (deduplicated across workers by the
  ``procrastinate_periodic_defers`` table), and runs Procrastinate's worker: heartbeats every
  ``SAYSO_TASKS_HEARTBEAT_SECONDS``; a worker silent for ``SAYSO_TASKS_STALLED_SECONDS`` is
  pruned and the jobs it was running are retried by ``stalled_jobs_recover`` (at least once).
- a job that fails on its last allowed attempt (or whose workers kept dying) is recorded as a
  ``DeadLetter`` and stays ``failed`` in ``procrastinate_jobs``; ``dead_task_retry`` puts it
  back to ``todo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json

from sayso.core.task_engine.common import (
    dead_letter_record,
    error_text,
    organization_id_for,
    task_with_policy,
)
from sayso.core.task_engine.policy import (
    TaskPolicy,
    former_task_paths,
    registered_tasks,
    task_by_path,
    task_policy,
)

ENGINE = "procrastinate"
WORKER_DIED = "sayso.core.task_engine.WorkerDied: the worker running it stopped"
logger = logging.getLogger("sayso.worker")


def _defer_app() -> Any:
    """A Procrastinate app that defers through Django's connection (inside its transaction)."""
    import procrastinate
    from procrastinate.contrib.django.django_connector import DjangoConnector

    return procrastinate.App(connector=DjangoConnector(alias="default"))


class ProcrastinateBackend(BaseTaskBackend):
    """A ``django.tasks`` backend whose jobs Procrastinate's worker runs."""

    supports_defer = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, {"QUEUES": [], **params})
        self._app: Any = None

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any]:
        task, policy = task_with_policy(task)
        self.validate_task(task)
        payload: dict[str, Any] = normalize_json({"args": args, "kwargs": kwargs})
        organization_id = organization_id_for(task, policy, args, kwargs)
        if organization_id is not None:
            payload["organization_id"] = organization_id
        if self._app is None:
            self._app = _defer_app()
        options: dict[str, Any] = {"queue": task.queue_name, "priority": task.priority}
        if task.run_after is not None:
            options["schedule_at"] = task.run_after
        job_id = self._app.configure_task(task.module_path, **options).defer(**payload)
        result: TaskResult[Any] = TaskResult(
            task=task,
            id=str(job_id),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=payload["args"],
            kwargs=payload["kwargs"],
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result


def _retry_strategy(policy: TaskPolicy) -> Any:
    from procrastinate.retry import BaseRetryStrategy, RetryDecision

    class PolicyRetry(BaseRetryStrategy):
        def get_retry_decision(self, *, exception: BaseException, job: Any) -> Any:
            tried = job.attempts + 1
            if tried >= policy.max_attempts:
                return None
            return RetryDecision(retry_in={"seconds": policy.backoff(tried)})

    return PolicyRetry()


def _run_job(path: str, context: Any, payload: dict[str, Any]) -> None:
    """Run one job of a Sayso task; on its last allowed attempt a failure is a dead letter."""
    close_old_connections()
    job = context.job
    try:
        task = task_by_path(path)
        task.call(*payload.get("args", []), **payload.get("kwargs", {}))
    except Exception as exception:
        if job.attempts + 1 >= task_policy(path).max_attempts:
            error, trace = error_text(exception)
            _bury(job, error=error, traceback=trace)
        raise
    finally:
        close_old_connections()


def _deferred_at(job_id: int) -> Any:
    """When the job was enqueued (Procrastinate's ``deferred`` event), if recorded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(at) FROM procrastinate_events WHERE job_id = %s AND type = 'deferred'",
            [job_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _bury(job: Any, *, error: str, traceback: str) -> None:
    payload = dict(job.task_kwargs or {})
    dead_letter_record(
        engine=ENGINE,
        job_id=str(job.id),
        task_path=job.task_name,
        queue=job.queue,
        organization_id=payload.get("organization_id"),
        arguments={"args": payload.get("args", []), "kwargs": payload.get("kwargs", {})},
        attempts=job.attempts + 1,
        error=error,
        traceback=traceback,
        enqueued_at=_deferred_at(job.id),
    )


def _runner(path: str) -> Any:
    def run(context: Any, **payload: Any) -> None:
        _run_job(path, context, payload)

    module, _, name = path.rpartition(".")
    run.__module__, run.__name__, run.__qualname__ = module, name, name
    return run


def interval_cron(seconds: int) -> str:
    """A cron expression (croniter's, seconds as a sixth field) for "every ``seconds``"."""
    if seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    minutes, rest = divmod(seconds, 60)
    if not rest and minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if not rest and hours and 24 % hours == 0:
        return f"0 */{hours} * * *"
    raise ValueError(f"{seconds} s is not an interval a cron schedule can keep.")


def worker_app(*, periodic: bool = True) -> Any:
    """A Procrastinate app for a worker: its own psycopg connection (LISTEN/NOTIFY) and every
    Sayso task registered with its policy's retries, periodic ones with their schedule."""
    import procrastinate
    from procrastinate.contrib.django.utils import connector_params

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(kwargs=connector_params()))
    interval = max(1, int(settings.SAYSO_SCHEDULER_INTERVAL_SECONDS))
    # A job enqueued under a task's former path (before a release moved it) runs the task.
    aliases: dict[str, list[str]] = {}
    for former, path in former_task_paths().items():
        aliases.setdefault(path, []).append(former)
    for path, policy in registered_tasks().items():
        registered = app.task(
            name=path,
            aliases=aliases.get(path),
            queue=policy.queue,
            priority=policy.priority,
            retry=_retry_strategy(policy),
            pass_context=True,
        )(_runner(path))
        if periodic and policy.periodic:
            cron = policy.periodic if isinstance(policy.periodic, str) else interval_cron(interval)
            app.periodic(cron=cron, periodic_id="sayso")(registered)
    return app


async def stalled_jobs_recover(app: Any) -> int:
    """Retry the jobs of workers that stopped sending heartbeats (or bury those out of
    attempts). Safe in several workers at once: a job already put back is skipped."""
    from procrastinate import jobs

    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.SAYSO_TASKS_STALLED_SECONDS
    )
    count = 0
    for job in stalled:
        try:
            if job.attempts + 1 >= task_policy(job.task_name).max_attempts:
                await app.job_manager.finish_job(
                    job=job, status=jobs.Status.FAILED, delete_job=False
                )
                await sync_to_async(_bury)(job, error=WORKER_DIED, traceback="")
            else:
                await app.job_manager.retry_job(job, retry_at=timezone.now())
            count += 1
        except Exception:  # another worker got there first
            logger.info("stalled job %s already handled", job.id)
    if count:
        logger.warning("put back %d job(s) of stopped workers", count)
    return count


async def _recover_forever(app: Any) -> None:
    while True:
        with contextlib.suppress(Exception):
            await stalled_jobs_recover(app)
        await asyncio.sleep(max(1.0, settings.SAYSO_TASKS_HEARTBEAT_SECONDS))


def worker_run(
    *, queues: list[str] | None, concurrency: int, wait: bool = True, periodic: bool = True
) -> None:
    """Run a Procrastinate worker on ``queues`` (None: all) until stopped (or, with
    ``wait=False``, until no job is left); ``periodic``: defer the periodic tasks too."""
    app = worker_app(periodic=periodic)

    async def main() -> None:
        async with app.open_async():
            await stalled_jobs_recover(app)
            recovering = asyncio.create_task(_recover_forever(app))
            try:
                await app.run_worker_async(
                    queues=queues,
                    concurrency=concurrency,
                    wait=wait,
                    update_heartbeat_interval=settings.SAYSO_TASKS_HEARTBEAT_SECONDS,
                    stalled_worker_timeout=settings.SAYSO_TASKS_STALLED_SECONDS,
                    fetch_job_polling_interval=settings.SAYSO_TASKS_POLL_SECONDS,
                )
            finally:
                recovering.cancel()

    asyncio.run(main())


def dead_task_retry(job_id: str) -> bool:
    """Put a failed job back to ``todo`` (run once more, now)."""
    app = _defer_app()
    try:
        app.job_manager.retry_job_by_id(job_id=int(job_id), retry_at=timezone.now())
    except Exception:
        logger.info("job %s is not failed; not retried", job_id)
        return False
    return True


def finished_tasks_prune(*, older_than: timedelta) -> int:
    """Delete the jobs that succeeded or were cancelled longer ago than ``older_than``
    (Procrastinate's ``delete_old_jobs``; failed jobs stay while they are dead letters)."""
    from asgiref.sync import async_to_sync
    from django.db import connection

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_jobs")
            return int(cursor.fetchone()[0])

    before = count()
    async_to_sync(_defer_app().job_manager.delete_old_jobs)(
        nb_hours=max(1, int(older_than.total_seconds() // 3600)), include_cancelled=True
    )
    return before - count()
