"""Email through a real SMTP server on 127.0.0.1 (aiosmtpd).

Inbound: the server stands in for the organization's MTA; what it accepts is handed to
``email_ingest`` as an MTA pipe would. Outbound: Django's SMTP backend sends staff replies to
the same kind of server, and the customer's answer to that mail comes back through ingest.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import connections

from sayso.conversations import services
from sayso.conversations.email_inbound import email_ingest
from sayso.conversations.email_outbound import deliver_reply
from sayso.conversations.models import Case, Direction, Message
from sayso.conversations.tasks import send_reply_email
from sayso.core.models import Organization, Role
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.notifications.models import MailState, OutgoingMail
from sayso.notifications.outbox import mail_send_due
from tests import factories

GRACE = "Grace Hopper <grace@example.com>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def parsed(self) -> EmailMessage:
        msg = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class CollectingHandler:
    """Accepts every message and keeps it, as an MTA's queue would."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 2.0.0 Queued"


@dataclass
class IngestingHandler:
    """Hands every message straight to ``email_ingest`` (an MTA pipe to Sayso) and answers
    the SMTP client with the outcome: 250 when stored, 550 with the reason when refused."""

    organization_id: int
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content)
        # The ORM is synchronous: run it in a worker thread, not on the server's event loop.
        reply = await asyncio.get_running_loop().run_in_executor(None, self._ingest, raw)
        self.replies.append(reply)
        return reply

    def _ingest(self, raw: bytes) -> str:
        try:
            organization = Organization.objects.get(pk=self.organization_id)
            result = email_ingest(organization=organization, raw=raw)
        except ValidationError as exc:
            reason = " ".join(exc.messages).encode("ascii", errors="replace").decode()
            return f"550 5.6.0 {reason}"
        finally:
            connections.close_all()
        return f"250 2.0.0 Stored on case #{result.case.number}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(handler: Any) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass
class Mta:
    port: int
    handler: CollectingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def mta() -> Iterator[Mta]:
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        yield Mta(port, handler)


@pytest.fixture
def smtp_backend(settings: Any, mta: Mta) -> Mta:
    """Django's real SMTP backend, pointed at the local server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mta.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return mta


def smtp_send(port: int, raw: bytes) -> None:
    msg = message_from_bytes(raw, policy=policy.default)
    sender = getaddresses([str(msg["From"])])[0][1]
    recipients = [addr for _, addr in getaddresses([str(msg["To"])])]
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, recipients, raw)


def customer_mail(
    *,
    subject: str,
    body: str,
    sender: str = GRACE,
    to: str = "help@haulright.test",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> tuple[bytes, str]:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg.set_content(body)
    return msg.as_bytes(), str(msg["Message-ID"])


def ingest_all(org: Organization, mta: Mta, start: int = 0) -> list[Message]:
    return [
        email_ingest(organization=org, raw=item.content).message for item in mta.received[start:]
    ]


# Inbound -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mail_from_a_new_sender_opens_a_case_for_a_new_customer(org: Any, mta: Mta) -> None:
    customers_before = Customer.objects.filter(organization=org).count()
    raw, message_id = customer_mail(
        subject="Truck reservation 4411", body="I booked a 16ft truck. Please call me."
    )

    smtp_send(mta.port, raw)
    [message] = ingest_all(org, mta)

    assert Customer.objects.filter(organization=org).count() == customers_before + 1
    identity = Identity.objects.get(organization=org, kind=IdentityKind.EMAIL)
    assert identity.value == "grace@example.com"
    assert identity.customer.display_name == "Grace Hopper"
    case = Case.objects.get(organization=org)
    assert case.customer == identity.customer
    assert case.subject == "Truck reservation 4411"
    assert case.channel == "email"
    assert message.case == case
    assert message.external_id == message_id
    assert message.author_identity == identity
    assert message.direction == Direction.INBOUND
    assert message.body == "I booked a 16ft truck. Please call me."


@pytest.mark.django_db
def test_reply_with_in_reply_to_joins_the_same_case(org: Any, mta: Mta) -> None:
    first, first_id = customer_mail(subject="Truck reservation", body="Booked a truck.")
    reply, _ = customer_mail(
        subject="Nobody called",  # a new subject: threading goes by the headers
        body="Still waiting.\n\nOn Mon, 3 Mar 2025 at 09:00, Grace wrote:\n> Booked a truck.\n",
        in_reply_to=first_id,
    )

    smtp_send(mta.port, first)
    smtp_send(mta.port, reply)
    opening, answer = ingest_all(org, mta)

    assert answer.case_id == opening.case_id
    assert Case.objects.filter(organization=org).count() == 1
    assert answer.body == "Still waiting."  # the quoted history is dropped
    assert list(opening.case.messages.values_list("body", flat=True)) == [
        "Booked a truck.",
        "Still waiting.",
    ]


@pytest.mark.django_db
def test_same_mail_delivered_twice_is_stored_once(org: Any, mta: Mta) -> None:
    raw, message_id = customer_mail(subject="Invoice", body="Please resend the invoice.")

    smtp_send(mta.port, raw)
    smtp_send(mta.port, raw)  # the MTA retried after a lost acknowledgement
    assert len(mta.received) == 2
    results = [email_ingest(organization=org, raw=item.content) for item in mta.received]

    assert [result.created for result in results] == [True, False]
    assert results[0].message == results[1].message
    assert Message.objects.filter(organization=org, external_id=message_id).count() == 1
    assert Case.objects.filter(organization=org).count() == 1


@pytest.mark.django_db(transaction=True)
def test_mta_pipe_stores_mail_while_the_smtp_session_is_open(org: Any) -> None:
    handler = IngestingHandler(organization_id=org.pk)
    first, first_id = customer_mail(subject="Truck reservation", body="Booked a truck.")
    reply, _ = customer_mail(subject="Re: Truck", body="Any news?", in_reply_to=first_id)
    no_sender = b"To: help@haulright.test\r\nSubject: who am I\r\n\r\nhello\r\n"

    with smtp_server(handler) as port:
        smtp_send(port, first)
        smtp_send(port, first)  # delivered twice
        smtp_send(port, reply)
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            client.sendmail("someone@example.com", ["help@haulright.test"], no_sender)

    assert refused.value.smtp_code == 550
    assert b"no sender" in refused.value.smtp_error
    assert [answer[:3] for answer in handler.replies] == ["250", "250", "250", "550"]
    case = Case.objects.get(organization=org)
    assert case.messages.count() == 2
    assert Customer.objects.filter(organization=org).count() == 1


# Outbound ----------------------------------------------------------------------------------


def _case_from_mail(org: Any, *mails: bytes) -> tuple[Case, list[Message]]:
    messages = [email_ingest(organization=org, raw=raw).message for raw in mails]
    return messages[0].case, messages


def _reply(case: Case, author: Any, body: str, capture: Callable[..., Any]) -> Message:
    with capture(execute=True):
        message = services.message_reply(case=case, author=author, body=body)
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_staff_reply_is_sent_by_smtp_threaded_on_the_customers_mail(
    org: Any, agent: Any, smtp_backend: Mta, django_capture_on_commit_callbacks: Any
) -> None:
    first, first_id = customer_mail(subject="Truck reservation", body="Booked a truck.")
    second, second_id = customer_mail(
        subject="Re: Truck reservation", body="Hello?", in_reply_to=first_id
    )
    case, _ = _case_from_mail(org, first, second)

    reply = _reply(
        case, agent, "We will call you by 5 pm tomorrow.", django_capture_on_commit_callbacks
    )

    assert reply.delivered_at is not None
    assert reply.delivery_error == ""
    [sent] = smtp_backend.received
    assert sent.rcpt_tos == ["grace@example.com"]
    assert sent.mail_from == org.support_email
    mail = sent.parsed()
    assert [addr for _, addr in getaddresses([str(mail["To"])])] == ["grace@example.com"]
    assert mail["Message-ID"] == reply.external_id
    assert mail["In-Reply-To"] == second_id  # the customer's last message
    assert str(mail["References"]).split() == [first_id, second_id]
    assert f"[#{case.number}]" in str(mail["Subject"])
    assert getaddresses([str(mail["From"])])[0][1] == org.support_email
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert "We will call you by 5 pm tomorrow." in body.get_content()


@pytest.mark.django_db
def test_customer_answer_to_a_staff_reply_lands_on_the_same_case(
    org: Any, agent: Any, smtp_backend: Mta, django_capture_on_commit_callbacks: Any
) -> None:
    first, _ = customer_mail(subject="Truck reservation", body="Booked a truck.")
    case, _ = _case_from_mail(org, first)
    _reply(case, agent, "We will call you by 5 pm.", django_capture_on_commit_callbacks)
    sent = smtp_backend.received[0].parsed()

    # The customer hits "reply" in their mail client; the answer comes back through the MTA.
    answer, _ = customer_mail(
        subject=f"Re: {sent['Subject']}",
        body="5 pm is fine.\n\n> We will call you by 5 pm.\n",
        in_reply_to=str(sent["Message-ID"]),
        references=f"{sent['References']} {sent['Message-ID']}",
    )
    smtp_send(smtp_backend.port, answer)
    [stored] = ingest_all(org, smtp_backend, start=1)

    assert stored.case_id == case.pk
    assert stored.body == "5 pm is fine."
    assert Case.objects.filter(organization=org).count() == 1
    assert list(case.messages.values_list("direction", flat=True)) == [
        Direction.INBOUND,
        Direction.OUTBOUND,
        Direction.INBOUND,
    ]


@pytest.mark.django_db
def test_answer_quoting_only_the_case_token_from_another_client_still_threads(
    org: Any, agent: Any, smtp_backend: Mta, django_capture_on_commit_callbacks: Any
) -> None:
    """Some clients drop In-Reply-To; the [#N] token in the subject still finds the case
    when the sender is that case's customer."""
    first, _ = customer_mail(subject="Truck reservation", body="Booked a truck.")
    case, _ = _case_from_mail(org, first)
    _reply(case, agent, "We will call you.", django_capture_on_commit_callbacks)
    sent = smtp_backend.received[0].parsed()

    answer, _ = customer_mail(subject=f"Re: {sent['Subject']}", body="Thanks")
    smtp_send(smtp_backend.port, answer)
    [stored] = ingest_all(org, smtp_backend, start=1)

    assert stored.case_id == case.pk


@pytest.mark.django_db
def test_delivering_a_reply_twice_sends_it_once(
    org: Any, agent: Any, smtp_backend: Mta, django_capture_on_commit_callbacks: Any
) -> None:
    first, _ = customer_mail(subject="Truck reservation", body="Booked a truck.")
    case, _ = _case_from_mail(org, first)
    reply = _reply(case, agent, "On it.", django_capture_on_commit_callbacks)
    assert len(smtp_backend.received) == 1

    assert deliver_reply(message_id=reply.pk) is False
    send_reply_email.enqueue(reply.pk)  # a retried task

    assert len(smtp_backend.received) == 1


@pytest.mark.django_db
def test_reply_from_an_organization_with_a_comma_in_its_name_is_sent(
    db: Any, smtp_backend: Mta, django_capture_on_commit_callbacks: Any
) -> None:
    org = factories.make_org("Haulright, Inc.", "haulright-inc")
    author = factories.make_member(org, Role.AGENT, username="ann").user
    first, _ = customer_mail(subject="Truck", body="Booked a truck.")
    case, _ = _case_from_mail(org, first)

    reply = _reply(case, author, "On it.", django_capture_on_commit_callbacks)

    assert reply.delivery_error == ""
    assert reply.delivered_at is not None
    [(name, address)] = getaddresses([str(smtp_backend.received[0].parsed()["From"])])
    assert name == "Ann at Haulright, Inc."
    assert address == org.support_email


@pytest.mark.django_db
def test_reply_while_the_smtp_server_is_down_records_the_error_and_sends_on_retry(
    org: Any,
    agent: Any,
    settings: Any,
    smtp_backend: Mta,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, _ = customer_mail(subject="Truck reservation", body="Booked a truck.")
    case, _ = _case_from_mail(org, first)
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    settings.SAYSO_MAIL_RETRY_SECONDS = 0  # the next sweep retries at once

    reply = _reply(case, agent, "On it.", django_capture_on_commit_callbacks)

    assert reply.delivered_at is None
    mail = OutgoingMail.objects.get(case_message=reply)
    assert mail.state == MailState.RETRYING
    assert mail.last_error.startswith("Could not reach the mail server")
    assert smtp_backend.received == []
    # A retry that fails is not the end: the reply still counts as on its way.
    assert reply.delivery_error == ""

    settings.EMAIL_PORT = smtp_backend.port
    assert mail_send_due() == 1
    reply.refresh_from_db()
    assert reply.delivered_at is not None
    assert reply.delivery_error == ""
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.DELIVERED, 2)
    assert mail.smtp_response.startswith("250")
    assert deliver_reply(message_id=reply.pk) is False  # delivered: nothing more is sent
    assert len(smtp_backend.received) == 1
