"""On an engine that can run a task later (the embedded queue here, Procrastinate on
PostgreSQL), a failed attempt queues the next one for the time the schedule gives it; the
periodic sweep is only the safety net."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from sayso.conversations.services import case_open
from sayso.webhooks.models import Delivery
from sayso.webhooks.services import delivery_attempt, endpoint_create
from tests.listening.stand_in import Reply
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def test_a_failed_attempt_queues_the_next_for_its_time(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}
    _, secret = endpoint_create(organization=org, url=receiver.url("/flaky"))
    receiver.listen("/flaky", secret, Reply(502, "bad gateway"))
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Flaky")
    delivery = Delivery.objects.get()
    first = DBTaskResult.objects.get(task_path="sayso.webhooks.tasks.deliver")
    assert first.args_kwargs["args"] == [delivery.pk]

    with run_on_commit(execute=True):
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    retry = DBTaskResult.objects.exclude(pk=first.pk).get(task_path="sayso.webhooks.tasks.deliver")
    assert retry.args_kwargs["args"] == [delivery.pk]
    assert retry.run_after == delivery.next_attempt_at
