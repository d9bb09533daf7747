"""Background work for privacy: the periodic run of due erasures (safe to run twice)."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.privacy import services


@sayso_task(queue="maintenance", priority=10, max_attempts=3, backoff=60, periodic=True)
def erasures_run_due() -> int:
    """Erase every customer whose request's waiting period is over."""
    return services.erasures_run_due()["done"]
