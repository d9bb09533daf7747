"""Background work of the status page (thin: the services do the work)."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.status.maintenance import maintenances_advance


@sayso_task(queue="maintenance", periodic=True, max_attempts=3)
def advance_maintenances() -> int:
    """status.advance_maintenances: start the maintenance windows that have begun and complete
    those that are over (periodic; safe to run any number of times)."""
    return maintenances_advance()
