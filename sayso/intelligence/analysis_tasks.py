"""Background analysis of new messages: a thin task taking an id, safe to run twice."""

from __future__ import annotations

from sayso.core.task_engine import sayso_task
from sayso.intelligence.analysis import store


@sayso_task(
    queue="analysis",
    max_attempts=3,
    backoff=30,
    organization_from=("conversations.Message", "message_id"),
)
def analyze_message(message_id: int) -> bool:
    """Analyze one message (sentiment, intents, spam, language, duplicates) and store it;
    does nothing when its analysis for the current model version exists."""
    return store.message_analyze_by_id(message_id=message_id)
