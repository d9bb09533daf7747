"""Dead letters (read and retry), pruning, and which engine runs: what views, the API, the
``sayso tasks`` command and the maintenance tasks call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task_backends

from sayso.core.models import DeadLetter, Organization

EMBEDDED = "embedded"
PROCRASTINATE = "procrastinate"


def engine_name() -> str:
    """ "procrastinate", "embedded", or the class name of another backend (tests' immediate)."""
    from django_tasks_db.backend import DatabaseBackend

    from sayso.core.task_engine.procrastinate_engine import ProcrastinateBackend

    backend = task_backends["default"]
    if isinstance(backend, ProcrastinateBackend):
        return PROCRASTINATE
    if isinstance(backend, DatabaseBackend):
        return EMBEDDED
    return type(backend).__name__


def dead_letter_list(
    *, organization: Organization | None, include_retried: bool = False
) -> QuerySet[DeadLetter]:
    """Dead letters, newest failure first: one organization's (``organization``), or every
    one (None: installation superusers only)."""
    found = DeadLetter.objects.select_related("organization", "retried_by")
    if organization is not None:
        found = found.filter(organization=organization)
    if not include_retried:
        found = found.filter(retried_at__isnull=True)
    return found.order_by("-failed_at", "-id")


def dead_letter_get(*, dead_letter_id: int, organization: Organization | None) -> DeadLetter | None:
    return (
        dead_letter_list(organization=organization, include_retried=True)
        .filter(pk=dead_letter_id)
        .first()
    )


def dead_letter_retry(*, dead_letter: DeadLetter, actor: Any = None) -> bool:
    """Run a dead letter's task once more on the engine that buried it. False when it was
    already retried (a second click or request changes nothing)."""
    with transaction.atomic():
        locked = DeadLetter.objects.select_for_update().filter(pk=dead_letter.pk).first()
        if locked is None or locked.retried_at is not None:
            return False
        if locked.engine == PROCRASTINATE:
            from sayso.core.task_engine import procrastinate_engine as engine
        else:
            from sayso.core.task_engine import embedded as engine  # type: ignore[no-redef]
        if not engine.dead_task_retry(locked.job_id):
            return False
        locked.retried_at = timezone.now()
        locked.retried_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["retried_at", "retried_by", "updated_at"])
    dead_letter.refresh_from_db()
    return True


def task_results_prune(*, days: int) -> int:
    """Delete finished task results and jobs, retried dead letters and periodic-run marks
    older than ``days`` days; returns how many rows went."""
    from sayso.core.models import PeriodicRun

    older_than = timedelta(days=days)
    cutoff = timezone.now() - older_than
    deleted = 0
    name = engine_name()
    if name == PROCRASTINATE:
        from sayso.core.task_engine import procrastinate_engine

        deleted += procrastinate_engine.finished_tasks_prune(older_than=older_than)
    elif name == EMBEDDED:
        from sayso.core.task_engine import embedded

        deleted += embedded.finished_tasks_prune(older_than=older_than)
    deleted += DeadLetter.objects.filter(retried_at__lt=cutoff).delete()[0]
    # A period's mark only has to outlive the period (the longest is a day).
    marks_cutoff = timezone.now() - timedelta(days=2)
    deleted += PeriodicRun.objects.filter(period_start__lt=marks_cutoff).delete()[0]
    return deleted


def sessions_prune() -> None:
    """Delete expired sessions (Django's clearsessions)."""
    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
