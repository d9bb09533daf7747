"""Background work for the core app: thin tasks, safe to run twice."""

from __future__ import annotations

from sayso.core.planner_statistics import statistics_refresh
from sayso.core.task_engine import sayso_task


@sayso_task(queue="maintenance", priority=-10, max_attempts=1, periodic=True)
def refresh_planner_statistics() -> int:
    """core.refresh_planner_statistics: the SQLite planner's statistics, once a day
    (periodic; docs/performance.md)."""
    return len(statistics_refresh())
