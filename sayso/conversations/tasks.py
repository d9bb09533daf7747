"""Background work for conversations: thin tasks taking ids, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from sayso.conversations import email_outbound, services


@task()
def send_reply_email(message_id: int) -> bool:
    return email_outbound.deliver_reply(message_id=message_id)


@task()
def check_commitments() -> list[int]:
    reminded, breached = services.commitments_check()
    return [reminded, breached]
