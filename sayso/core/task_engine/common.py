"""What both engines share: a task's queue and priority from its policy, the organization it
works for, and the dead-letter record."""

from __future__ import annotations

import inspect
import traceback as traceback_module
from datetime import datetime
from typing import Any

from django.apps import apps
from django.utils import timezone
from django_tasks.base import DEFAULT_TASK_PRIORITY, DEFAULT_TASK_QUEUE_NAME, Task

from sayso.core.task_engine.policy import TaskPolicy, task_policy


def task_with_policy(task: Task[Any, Any]) -> tuple[Task[Any, Any], TaskPolicy]:
    """The task with its policy's queue and priority, unless the caller chose its own with
    ``task.using(...)``."""
    policy = task_policy(task)
    changes: dict[str, Any] = {}
    if task.queue_name == DEFAULT_TASK_QUEUE_NAME and policy.queue != DEFAULT_TASK_QUEUE_NAME:
        changes["queue_name"] = policy.queue
    if task.priority == DEFAULT_TASK_PRIORITY and policy.priority != DEFAULT_TASK_PRIORITY:
        changes["priority"] = policy.priority
    return (task.using(**changes) if changes else task), policy


def organization_id_for(
    task: Task[Any, Any], policy: TaskPolicy, args: Any, kwargs: Any
) -> int | None:
    """The organization a task works for: its ``organization_id`` argument, or the
    organization of the row its policy's ``organization_from`` names; None for neither."""
    try:
        bound = inspect.signature(task.func).bind_partial(*args, **kwargs).arguments
    except TypeError:
        return None
    if bound.get("organization_id") is not None:
        try:
            return int(bound["organization_id"])
        except (TypeError, ValueError):
            return None
    if policy.organization_from is None:
        return None
    model_label, argument = policy.organization_from
    if bound.get(argument) is None:
        return None
    model = apps.get_model(model_label)
    found = (
        model._default_manager.filter(pk=bound[argument])
        .values_list("organization_id", flat=True)
        .first()
    )
    return int(found) if found is not None else None


def error_text(exception: BaseException) -> tuple[str, str]:
    """An exception as (``Class: message``, its traceback)."""
    summary = f"{type(exception).__module__}.{type(exception).__qualname__}: {exception}"
    trace = "".join(traceback_module.format_exception(exception))
    return summary[:2000], trace[-20000:]


def dead_letter_record(
    *,
    engine: str,
    job_id: str,
    task_path: str,
    queue: str,
    organization_id: int | None,
    arguments: dict[str, Any],
    attempts: int,
    error: str,
    traceback: str,
    enqueued_at: datetime | None,
) -> None:
    """Record (or record again, after a retry failed) a task that ran out of attempts."""
    from sayso.core.models import DeadLetter, Organization

    if organization_id is not None and not Organization.objects.filter(pk=organization_id).exists():
        organization_id = None
    DeadLetter.objects.update_or_create(
        engine=engine,
        job_id=job_id,
        defaults={
            "task_path": task_path,
            "queue": queue,
            "organization_id": organization_id,
            "arguments": arguments,
            "attempts": attempts,
            "error": error,
            "traceback": traceback,
            "enqueued_at": enqueued_at,
            "failed_at": timezone.now(),
            "retried_at": None,
            "retried_by": None,
        },
    )
