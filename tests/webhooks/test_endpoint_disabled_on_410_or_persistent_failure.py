"""An endpoint that answers 410 Gone is disabled at once, what was still to be sent to it is
cancelled, and the organization's admins are mailed; so is one whose every attempt failed for
SAYSO_WEBHOOK_DISABLE_AFTER_DAYS once a message has used up its attempts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from sayso.conversations.services import case_open
from sayso.core.models import Role
from sayso.webhooks.models import Delivery, DeliveryStatus, Endpoint
from sayso.webhooks.services import delivery_attempt, endpoint_create, endpoint_update
from tests import factories
from tests.listening.stand_in import Reply
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def _mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def test_410_disables_the_endpoint_and_mails_the_admins(
    org: Any, customer: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    admin = factories.make_member(org, Role.ADMIN, username="ada")
    agent = factories.make_member(org, Role.AGENT, username="al")
    endpoint, secret = endpoint_create(organization=org, url=receiver.url("/gone"))
    receiver.listen("/gone", secret, Reply(410, "unsubscribed"))

    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="One")
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "410" in endpoint.disabled_reason
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_count == 1  # no retry after a 410

    sent = _mails_to(admin.user.email)
    assert len(sent) == 1
    assert "disabled" in sent[0].subject and receiver.url("/gone") in sent[0].body
    assert "410" in sent[0].body
    assert not _mails_to(agent.user.email)

    # A disabled endpoint gets nothing more.
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Two")
    assert Delivery.objects.count() == 1
    assert len(receiver.server.calls("/gone")) == 1

    # Enabled again, it receives the next event.
    receiver.listen("/gone", secret, Reply(200, "back"))
    endpoint_update(endpoint=endpoint, enabled=True)
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="Three")
    assert receiver.types("/gone") == ["case.opened", "case.opened"]
    assert Endpoint.objects.get().failing_since is None


def test_an_endpoint_failing_for_days_is_disabled_when_a_message_runs_out_of_attempts(
    org: Any, customer: Any, receiver: Receiver, settings: Any, run_on_commit: Any
) -> None:
    factories.make_member(org, Role.ADMIN, username="ada")
    settings.SAYSO_WEBHOOK_DISABLE_AFTER_DAYS = 1
    endpoint, secret = endpoint_create(organization=org, url=receiver.url("/broken"))
    receiver.listen("/broken", secret, Reply(500, "broken"))
    with run_on_commit(execute=True):
        case_open(organization=org, customer=customer, subject="First")
        case_open(organization=org, customer=customer, subject="Second")
    first, second = Delivery.objects.order_by("pk")
    # The first message runs out of attempts (about 27 hours of retries: over one day).
    with run_on_commit(execute=True):  # the admins' mail is sent after commit
        while first.status == DeliveryStatus.PENDING:
            delivery_attempt(delivery_id=first.pk, now=first.next_attempt_at)
            first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "Every attempt failed since" in endpoint.disabled_reason
    second.refresh_from_db()
    assert second.status == DeliveryStatus.CANCELLED
    assert len(_mails_to("ada@staff.test")) == 1
