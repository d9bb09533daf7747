"""Background work for the core app: thin tasks, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from sayso.core.planner_statistics import statistics_refresh


@task()
def refresh_planner_statistics() -> int:
    """core.refresh_planner_statistics: the SQLite planner's statistics, once a day
    (periodic; docs/performance.md)."""
    return len(statistics_refresh())
