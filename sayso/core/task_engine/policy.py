"""Per-task policy: queue, priority, attempts and back-off of every kind of background task.

One table, filled by ``sayso_task`` where each task is defined (see the package docstring).
Nothing here touches the database or an engine, so any module may import it at import time.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django_tasks import task
from django_tasks.base import Task
from typing_extensions import ParamSpec

P = ParamSpec("P")
T = TypeVar("T")

# The queues a worker can select with `sayso worker --queues`.
QUEUES = ("email", "ingest", "analysis", "webhooks", "maintenance", "default")
DEFAULT_QUEUE = "default"
# Every periodic task marked periodic=True runs once per scheduler interval
# (SAYSO_SCHEDULER_INTERVAL_SECONDS); a string is a cron expression (five fields, or six with
# seconds last, as croniter reads it).
EVERY_INTERVAL = True


@dataclass(frozen=True)
class TaskPolicy:
    """How one kind of task is queued and retried."""

    queue: str = DEFAULT_QUEUE
    priority: int = 0
    max_attempts: int = 5
    backoff_seconds: int = 30
    backoff_max_seconds: int = 3600
    # None: not periodic; True: every scheduler interval; a str: a cron expression.
    periodic: bool | str | None = None
    # Where the organization of a task comes from when it takes no ``organization_id``
    # argument: ("app_label.Model", "argument_name") names the row whose organization it is.
    organization_from: tuple[str, str] | None = None

    def backoff(self, attempt: int) -> int:
        """Seconds to wait before the next try after the ``attempt``-th (1-based) failed:
        ``backoff_seconds * 2**(attempt-1)``, at most ``backoff_max_seconds``."""
        exponent = max(0, min(attempt - 1, 30))
        return int(min(self.backoff_max_seconds, self.backoff_seconds * 2**exponent))


DEFAULT_POLICY = TaskPolicy()
_POLICIES: dict[str, TaskPolicy] = {}
# A task's former dotted path -> the path it has now (``sayso_task(former_paths=...)``).
_FORMER_PATHS: dict[str, str] = {}


def sayso_task(
    *,
    queue: str = DEFAULT_QUEUE,
    priority: int = 0,
    max_attempts: int = 5,
    backoff: int = 30,
    backoff_max: int = 3600,
    periodic: bool | str | None = None,
    organization_from: tuple[str, str] | None = None,
    former_paths: Iterable[str] = (),
) -> Callable[[Callable[P, T]], Task[P, T]]:
    """``django_tasks.task()`` plus this task's policy (queue, priority, attempts, back-off,
    schedule). The task is an ordinary ``django.tasks`` task: ``.enqueue()`` and ``.call()``
    work as before, on any backend; Sayso's backends read the policy when enqueueing.

    ``former_paths``: the dotted paths the task had before a release moved it. A job stored
    under one of them (enqueued before the upgrade) runs this task, on either engine."""
    former = tuple(former_paths)
    if queue not in QUEUES:
        raise ValueError(f"Unknown queue {queue!r}; one of {', '.join(QUEUES)}.")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1.")
    if not -100 <= priority <= 100:
        raise ValueError("priority must be between -100 and 100.")
    policy = TaskPolicy(
        queue=queue,
        priority=priority,
        max_attempts=max_attempts,
        backoff_seconds=backoff,
        backoff_max_seconds=backoff_max,
        periodic=periodic,
        organization_from=organization_from,
    )

    def decorate(function: Callable[P, T]) -> Task[P, T]:
        defined = task()(function)
        path = defined.module_path
        for old in former:
            if old == path or _FORMER_PATHS.get(old, path) != path:
                raise ValueError(f"{old} cannot be a former path of {path}.")
        _POLICIES[path] = policy
        _FORMER_PATHS.update(dict.fromkeys(former, path))
        return defined

    return decorate


def task_policy(task_or_path: Task[Any, Any] | str) -> TaskPolicy:
    """The policy of a task (or of its dotted path, former ones too); the default one for a
    task without."""
    path = task_or_path if isinstance(task_or_path, str) else task_or_path.module_path
    if path not in _POLICIES:
        path = current_task_path(path)
    return _POLICIES.get(path, DEFAULT_POLICY)


def current_task_path(path: str) -> str:
    """The dotted path a task has now: ``path`` itself, or the new path of a task that was at
    ``path`` before a release moved it (``sayso_task(former_paths=...)``)."""
    if path not in _POLICIES and path not in _FORMER_PATHS:
        with contextlib.suppress(ImportError):
            importlib.import_module(path.rpartition(".")[0])
        if path not in _POLICIES and path not in _FORMER_PATHS:
            registered_tasks()  # each task declares its former paths where it is defined
    return _FORMER_PATHS.get(path, path)


def former_task_paths() -> dict[str, str]:
    """Every task's former dotted paths, each with the path the task has now."""
    registered_tasks()
    return dict(_FORMER_PATHS)


# Modules holding tasks besides each app's ``tasks`` module (none: every app keeps its tasks in
# its ``tasks`` module; settings may add some with SAYSO_EXTRA_TASK_MODULES).
EXTRA_TASK_MODULES: tuple[str, ...] = ()


def registered_tasks() -> dict[str, TaskPolicy]:
    """Every Sayso task and its policy (imports each installed app's ``tasks`` module)."""
    for config in apps.get_app_configs():
        if config.name.startswith("sayso."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.tasks":
                    raise
    from django.conf import settings

    for module in (*EXTRA_TASK_MODULES, *getattr(settings, "SAYSO_EXTRA_TASK_MODULES", [])):
        importlib.import_module(module)
    return dict(_POLICIES)


def periodic_task_paths() -> dict[str, TaskPolicy]:
    """The periodic tasks every app declared (``sayso_task(periodic=...)``)."""
    return {path: p for path, p in registered_tasks().items() if p.periodic}


def task_by_path(path: str) -> Task[Any, Any]:
    """The task object defined at a dotted path (or at a former path of the task's)."""
    module, _, name = current_task_path(path).rpartition(".")
    found = getattr(importlib.import_module(module), name)
    if not isinstance(found, Task):
        raise TypeError(f"{path} is not a task.")
    return found
