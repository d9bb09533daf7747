"""Background work for the core app: thin tasks, safe to run twice."""

from __future__ import annotations

from sayso.core.planner_statistics import statistics_refresh
from sayso.core.task_engine import sayso_task


@sayso_task(queue="maintenance", priority=-10, max_attempts=1, periodic=True)
def refresh_planner_statistics() -> int:
    """core.refresh_planner_statistics: the SQLite planner's statistics, once a day
    (periodic; docs/performance.md)."""
    return len(statistics_refresh())


@sayso_task(queue="maintenance", priority=-20, max_attempts=3, backoff=300, periodic="17 3 * * *")
def prune_task_results() -> int:
    """core.prune_task_results: finished task results and jobs older than
    SAYSO_TASK_RESULTS_DAYS days (daily)."""
    from django.conf import settings

    from sayso.core.task_engine.services import task_results_prune

    return task_results_prune(days=settings.SAYSO_TASK_RESULTS_DAYS)


@sayso_task(queue="maintenance", priority=-20, max_attempts=3, backoff=300, periodic="27 3 * * *")
def prune_sessions() -> bool:
    """core.prune_sessions: expired sessions (daily)."""
    from sayso.core.task_engine.services import sessions_prune

    sessions_prune()
    return True
