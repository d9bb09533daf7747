"""A staff reply in a case the customer did not open is outreach and goes through the guard the
consent app registers (conversations.reply_guard); with no guard registered it is refused,
never sent unchecked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from sayso.consent.guard import outreach_reply
from sayso.conversations import reply_guard, services
from sayso.conversations.models import Channel, Direction, Message
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reply_guard, "_guard", {})


def _staff_started(org: Any, customer: Any, agent: Any) -> Any:
    return services.case_open(
        organization=org,
        customer=customer,
        subject="Your truck rental",
        channel=Channel.EMAIL,
        assignee=agent,
        actor=agent,
    )


def test_the_consent_app_registers_its_guard_for_outreach_replies() -> None:
    assert reply_guard.reply_guard() is outreach_reply


def test_without_a_guard_an_outreach_reply_is_refused_and_nothing_is_sent(
    org: Any, agent: Any, customer: Any, no_guard: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _staff_started(org, customer, agent)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="no outreach guard"),
    ):
        services.message_reply(case=case, author=agent, body="Our trucks are 20% off.")
    assert not Message.objects.filter(case=case, direction=Direction.OUTBOUND).exists()
    assert mail.outbox == []


def test_without_a_guard_a_reply_in_a_case_the_customer_opened_is_sent(
    org: Any, agent: Any, customer: Any, no_guard: None
) -> None:
    case = factories.make_case(org, customer)
    reply = services.message_reply(case=case, author=agent, body="Happy to help.")
    assert reply.direction == Direction.OUTBOUND and reply.case == case
