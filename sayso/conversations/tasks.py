"""Background work for conversations: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from sayso.conversations import commitments, email_outbound
from sayso.core.task_engine import sayso_task


@sayso_task(
    queue="email",
    priority=10,
    max_attempts=10,
    backoff=30,
    organization_from=("conversations.Message", "message_id"),
)
def send_reply_email(message_id: int) -> bool:
    return email_outbound.deliver_reply(message_id=message_id)


@sayso_task(queue="maintenance", priority=10, max_attempts=3, backoff=10, periodic=True)
def check_commitments() -> list[int]:
    reminded, breached = commitments.commitments_check()
    return [reminded, breached]
