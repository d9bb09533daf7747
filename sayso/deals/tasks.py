"""Background work for intents: thin tasks, safe to run twice."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.deals import intents


@sayso_task(queue="maintenance", priority=10, max_attempts=3, backoff=10, periodic=True)
def close_intents() -> int:
    """Close every open intent whose deadline has come: after it, nobody may contact the
    customer about it (the guard's grant refuses)."""
    return intents.intents_close_due()
