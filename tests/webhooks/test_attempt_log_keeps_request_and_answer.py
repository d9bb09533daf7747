"""What the delivery log keeps of an attempt: the request's headers (the signature recorded as
sent, not its value), the answer's status, headers and first kilobyte, and the time it took. A
redirect is a failed attempt and is not followed; a secret that the configured keys cannot
open fails the attempt with the reason, sending nothing."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from sayso.conversations.services import case_open
from sayso.webhooks.models import AttemptOutcome, Delivery, DeliveryStatus
from sayso.webhooks.services import endpoint_create
from tests.listening.stand_in import Reply
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def test_the_log_keeps_the_request_headers_and_the_first_kilobyte_of_the_answer(
    org: Any, customer: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url("/big"))
    receiver.listen("/big", secret, Reply(200, "x" * 5000, headers={"X-Request-Id": "r-42"}))
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Big answer")
    attempt = Delivery.objects.get().attempts.get()
    assert attempt.outcome == AttemptOutcome.SUCCEEDED
    assert attempt.response_body == "x" * 1024
    assert attempt.response_headers["x-request-id"] == "r-42"
    assert attempt.duration_ms is not None
    headers = attempt.request_headers
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-timestamp"].isdigit()
    assert headers["webhook-signature"] == "v1,…"  # sent signed; the value is not kept
    sent = receiver.server.calls("/big")[0]
    assert sent.headers["webhook-signature"].startswith("v1,")
    assert sent.headers["webhook-signature"] != "v1,…"


def test_a_redirect_is_a_failure_and_is_not_followed(
    org: Any, customer: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url("/moved"))
    receiver.listen("/moved", secret, Reply(301, "", headers={"Location": "/elsewhere"}))
    receiver.listen("/elsewhere", secret)
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Moved")
    delivery = Delivery.objects.get()
    attempt = delivery.attempts.get()
    assert (attempt.outcome, attempt.response_status) == (AttemptOutcome.FAILED, 301)
    assert "301" in attempt.error
    assert delivery.status == DeliveryStatus.PENDING  # retried on the schedule
    assert receiver.server.calls("/elsewhere") == []


def test_a_secret_the_keys_cannot_open_fails_the_attempt_and_sends_nothing(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url("/keys"))
    receiver.listen("/keys", secret)
    settings.SAYSO_ENCRYPTION_KEY = Fernet.generate_key().decode()  # the old key is gone
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Key changed")
    attempt = Delivery.objects.get().attempts.get()
    assert attempt.outcome == AttemptOutcome.FAILED
    assert "cannot be decrypted" in attempt.error
    assert receiver.server.calls("/keys") == []
