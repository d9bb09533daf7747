"""The periodic tasks: ``deliver_due`` sends a delivery whose own task was lost (a worker that
died before running it, or an engine that cannot run a task later); ``prune_log`` deletes the
log beyond SAYSO_WEBHOOK_LOG_DAYS and keeps what is pending or recent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.conversations.services import case_open
from sayso.webhooks.models import Attempt, Delivery, DeliveryStatus, Event
from sayso.webhooks.services import deliveries_due, endpoint_create
from sayso.webhooks.tasks import deliver_due, prune_log
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweep(
    org: Any, customer: Any, receiver: Receiver
) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url("/late"))
    receiver.listen("/late", secret)
    # Committed without running its on-commit task: as if the worker had died first.
    case_open(organization=org, customer=customer, subject="Lost task")
    delivery = Delivery.objects.get()
    assert deliveries_due() == []  # its own task may still come (30 s grace)
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    assert deliver_due.call() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert receiver.types("/late") == ["case.opened"]
    assert deliver_due.call() == 0


def test_old_log_rows_are_pruned_and_pending_or_recent_ones_kept(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    settings.SAYSO_WEBHOOK_LOG_DAYS = 30
    _, secret = endpoint_create(organization=org, url=receiver.url("/log"))
    receiver.listen("/log", secret)
    with run_on_commit(execute=True):
        for subject in ("Old", "Recent"):
            case_open(organization=org, customer=customer, subject=subject)
    case_open(organization=org, customer=customer, subject="Old but pending")
    old, recent, pending = Delivery.objects.order_by("pk")
    long_ago = timezone.now() - timedelta(days=31)
    Delivery.objects.filter(pk__in=[old.pk, pending.pk]).update(created_at=long_ago)
    Event.objects.filter(pk__in=[old.event_id, pending.event_id]).update(created_at=long_ago)

    assert prune_log.call() == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert not Attempt.objects.filter(delivery_id=old.pk).exists()
    assert not Event.objects.filter(pk=old.event_id).exists()
    assert Event.objects.filter(pk=pending.event_id).exists()
