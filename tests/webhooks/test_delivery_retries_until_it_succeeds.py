"""A receiver that answers 500, then takes longer than the timeout, then 200: one delivery,
three attempts on the Standard Webhooks schedule, recorded as succeeded; every request signed
(verified on the receiving side by the standardwebhooks library) with the same webhook-id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sayso.conversations.services import case_open
from sayso.webhooks.models import AttemptOutcome, Delivery, DeliveryStatus
from sayso.webhooks.services import RETRY_SCHEDULE, delivery_attempt, endpoint_create
from tests.listening.stand_in import Reply
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def test_500_then_timeout_then_200_is_one_delivery_that_succeeded(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    settings.SAYSO_WEBHOOK_TIMEOUT_SECONDS = 1
    endpoint, secret = endpoint_create(
        organization=org, url=receiver.url("/hooks"), event_types=["case.opened"]
    )
    receiver.listen(
        "/hooks",
        secret,
        Reply(500, "database down"),
        Reply(200, "too late", delay=3),
        Reply(204, ""),
    )

    with run_on_commit(execute=True):  # the first attempt runs at once, after the commit
        case_open(organization=org, customer=customer, subject="Where is my truck?")

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    first = delivery.attempts.get()
    assert (first.outcome, first.response_status, first.response_body) == (
        AttemptOutcome.FAILED,
        500,
        "database down",
    )
    assert delivery.next_attempt_at == delivery.last_attempt_at + RETRY_SCHEDULE[1]

    # Not due yet: nothing is sent.
    assert delivery_attempt(delivery_id=delivery.pk) is None

    second = delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert second is not None
    assert second.outcome == AttemptOutcome.FAILED
    assert second.response_status is None
    assert "1 second" in second.error
    assert second.duration_ms is not None and 900 <= second.duration_ms < 3000
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(minutes=5)

    third = delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert third is not None and third.outcome == AttemptOutcome.SUCCEEDED
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempt_count == 3
    assert [a.number for a in delivery.attempts.all()] == [1, 2, 3]
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.finished_at) is None

    # Three requests, all signed, all the same message: one webhook-id.
    bodies = receiver.received("/hooks")
    assert [body["type"] for body in bodies] == ["case.opened"] * 3
    requests = receiver.server.calls("/hooks")
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert requests[0].headers["webhook-id"] == delivery.event.webhook_id
    assert third.request_headers["webhook-id"] == delivery.event.webhook_id
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None


def test_a_delivery_that_never_succeeds_fails_after_the_last_attempt(
    org: Any, customer: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    endpoint, secret = endpoint_create(organization=org, url=receiver.url("/down"))
    receiver.listen("/down", secret, Reply(503, "maintenance"))
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Flat tyre")
    delivery = Delivery.objects.get()
    waits = []
    while delivery.status == DeliveryStatus.PENDING:
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert waits == list(RETRY_SCHEDULE[1:])
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_count == len(RETRY_SCHEDULE) == 8
    assert "All 8 attempts failed" in delivery.reason
    assert len(receiver.server.calls("/down")) == 8
    # One failed message within the first days does not disable the endpoint.
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is not None
