"""Background work for privacy: the periodic run of due erasures (safe to run twice)."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.privacy import services


@sayso_task(queue="maintenance", priority=10, max_attempts=3, backoff=60, periodic=True)
def erasures_run_due() -> int:
    """Erase every customer whose request's waiting period is over."""
    return services.erasures_run_due()["done"]


@sayso_task(queue="maintenance", max_attempts=3, backoff=60)
def export_build_task(export_id: int) -> bool:
    """Build a large export in the background."""
    return services.export_prepare(export_id=export_id) is not None
