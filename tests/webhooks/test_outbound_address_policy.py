"""Webhook requests go through the outbound policy of listening sources: no loopback, private
or link-local address unless SAYSO_OUTBOUND_ALLOW lists it, neither when the endpoint is
saved nor when it is called."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from sayso.conversations.services import case_open
from sayso.webhooks.models import AttemptOutcome, Delivery
from sayso.webhooks.services import endpoint_create
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost/hook",
        "https://metadata.google.internal/x",
    ],
)
def test_a_private_address_is_refused_when_not_allowed(org: Any, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        endpoint_create(organization=org, url=url)
    assert "SAYSO_OUTBOUND_ALLOW" in " ".join(refused.value.messages)


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "hooks.example.com", "https://u:p@x.example/"]
)
def test_only_web_addresses_without_credentials(org: Any, url: str) -> None:
    with pytest.raises(ValidationError):
        endpoint_create(organization=org, url=url)


def test_an_address_allowed_once_and_no_longer_is_not_called(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    _, secret = endpoint_create(organization=org, url=receiver.url("/hook"))
    receiver.listen("/hook", secret)
    settings.SAYSO_OUTBOUND_ALLOW = []
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Lost parcel")
    attempt = Delivery.objects.get().attempts.get()
    assert attempt.outcome == AttemptOutcome.FAILED
    assert "does not fetch from 127.0.0.1" in attempt.error
    assert attempt.response_status is None
    assert receiver.server.calls("/hook") == []
