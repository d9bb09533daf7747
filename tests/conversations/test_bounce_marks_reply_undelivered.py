"""A bounce of a staff reply (a real AOL bounce from flanker's corpus, its returned
Message-ID replaced by the reply's) marks that reply undelivered with the reason and alerts
its author; it neither re-opens the resolved case nor becomes the customer's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from sayso.conversations.email_outbound import deliver_reply
from sayso.conversations.models import AutomatedMail, Case, CaseStatus, Message
from sayso.conversations.services import case_update, message_reply
from sayso.customers.models import Customer
from sayso.listening.email import email_receive
from sayso.notifications.models import Alert, AlertKind
from tests import factories

pytestmark = pytest.mark.django_db

FLANKER = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "email" / "flanker"


def _sent_reply(org: Any, agent: Any) -> tuple[Case, Message, str]:
    customer = factories.make_customer(org, "Ada Lovelace", "user@aol.com")
    case = factories.make_case(org, customer, subject="Truck booking")
    reply = message_reply(case=case, author=agent, body="Your truck is booked for Friday.")
    assert deliver_reply(message_id=reply.pk)
    sent = mail.outbox[-1]
    case_update(case=case, actor=agent, status=CaseStatus.RESOLVED)
    return case, reply, sent.extra_headers["Message-ID"]


def _bounce_of(message_id: str) -> bytes:
    raw = (FLANKER / "bounce_mailbox-full.eml").read_bytes()
    assert b"<4E326A95.3010907@example.com>" in raw
    return raw.replace(b"<4E326A95.3010907@example.com>", message_id.encode())


def test_a_bounce_marks_the_reply_undelivered_and_alerts_its_author(
    org: Any, agent: Any, client: Any
) -> None:
    case, reply, message_id = _sent_reply(org, agent)
    customers, messages = Customer.objects.count(), Message.objects.count()

    result = email_receive(organization=org, raw=_bounce_of(message_id))

    assert result.message is None and result.automated is not None
    assert result.automated.kind == "bounce"
    reply.refresh_from_db()
    assert reply.undelivered_at is not None
    assert "5.2.2" in reply.delivery_error and "user@aol.com" in reply.delivery_error
    alert = Alert.objects.get(recipient=agent, kind=AlertKind.MESSAGE_UNDELIVERED)
    assert alert.case == case and f"#{case.number}" in alert.text
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED  # not re-opened
    assert (Customer.objects.count(), Message.objects.count()) == (customers, messages)
    assert result.automated.case == case and result.automated.reported_message == reply

    # Staff see what was recognised and why on the case page, and the reply marked.
    client.force_login(agent)
    page = client.get(reverse("case-detail", kwargs={"org": org.slug, "number": case.number}))
    text = page.content.decode()
    assert 'data-testid="automated-mail"' in text
    assert "Delivery status report (RFC 3464)" in text
    assert "not delivered: Bounced:" in text


def test_the_same_bounce_twice_is_kept_once_and_alerts_once(org: Any, agent: Any) -> None:
    _, _, message_id = _sent_reply(org, agent)
    bounce = _bounce_of(message_id)

    first = email_receive(organization=org, raw=bounce)
    again = email_receive(organization=org, raw=bounce)

    assert first.created and not again.created
    assert AutomatedMail.objects.count() == 1
    assert Alert.objects.filter(kind=AlertKind.MESSAGE_UNDELIVERED).count() == 1


def test_a_bounce_of_unknown_mail_is_kept_unlinked_and_opens_nothing(org: Any) -> None:
    cases, customers = Case.objects.count(), Customer.objects.count()

    result = email_receive(organization=org, raw=_bounce_of("<never-sent@example.com>"))

    assert result.automated is not None and result.automated.case is None
    assert result.automated.details["recipients"] == ["user@aol.com"]
    assert (Case.objects.count(), Customer.objects.count()) == (cases, customers)


@pytest.mark.parametrize(
    ("file", "original_id", "kind"),
    [
        ("bounce_no-mx.eml", b"<19E44CA63F984902B7D654F8FF40F89D@bo>", "delay"),
        ("disposition-notification.eml", b"<199509192301.23456@example.org>", "read_receipt"),
    ],
)
def test_a_delay_or_read_receipt_is_kept_on_the_case_without_alert_or_mark(
    org: Any, agent: Any, file: str, original_id: bytes, kind: str
) -> None:
    case, reply, message_id = _sent_reply(org, agent)
    raw = (FLANKER / file).read_bytes()
    assert original_id in raw

    result = email_receive(organization=org, raw=raw.replace(original_id, message_id.encode()))

    assert result.automated is not None and result.automated.kind == kind
    assert result.automated.case == case and result.automated.reported_message == reply
    reply.refresh_from_db()
    assert reply.undelivered_at is None and reply.delivery_error == ""
    assert not Alert.objects.filter(kind=AlertKind.MESSAGE_UNDELIVERED).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
