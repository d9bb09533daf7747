"""The outbox against a real SMTP server on 127.0.0.1 (aiosmtpd): every email is sent by the
background engine, retried while the server is away or defers it, failed at once when the
server refuses it for good, and delivered once (docs/email.md, "Outgoing mail")."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.conversations import services
from sayso.conversations.models import Message
from sayso.core.models import Role
from sayso.core.services import membership_invite
from sayso.notifications.models import Alert, AlertKind, MailKind, MailState, OutgoingMail
from sayso.notifications.outbox import (
    delivery_watcher_register,
    mail_prune,
    mail_queue,
    mail_send,
    mail_send_due,
)
from sayso.notifications.services import alert_send
from tests import factories
from tests.after_commit import after_commit
from tests.conversations.test_email_smtp import _free_port, smtp_server

ACCEPT = "250 2.0.0 Queued"


@dataclass
class Mailbox:
    """An SMTP server's DATA step: answers from ``answers`` first (a 451, a 550), then
    accepts; an accepted message is kept in ``received``. ``delay`` makes it a slow server."""

    answers: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)
    delay: float = 0.0
    data_calls: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        if self.answers:
            return self.answers.pop(0)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(bytes(envelope.content))
        return ACCEPT

    def to(self) -> list[str]:
        return [str(message_from_bytes(raw, policy=policy.default)["To"]) for raw in self.received]

    def message_ids(self) -> list[str]:
        return [
            str(message_from_bytes(raw, policy=policy.default)["Message-ID"])
            for raw in self.received
        ]


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SAYSO_MAIL_RETRY_SECONDS = 0  # each sweep below is the next retry


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    box = Mailbox()
    with smtp_server(box) as port:
        use_smtp(settings, port)
        yield box


def staff_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def case_page(org: Any, case: Any, user: Any) -> str:
    url = reverse("case-detail", kwargs={"org": org.slug, "number": case.number})
    response = staff_client(user).get(url)
    assert response.status_code == 200
    return response.text


@pytest.mark.django_db
def test_smtp_down_then_up_delivers_the_reply_and_the_alert_once_each(
    org: Any, agent: Any, customer: Any, settings: Any
) -> None:
    port = _free_port()  # nothing listens there yet: the mail server is down
    use_smtp(settings, port)
    agent.email = "agent@haulright.test"
    agent.save()
    case = factories.make_case(org, customer, subject="Truck never came")
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="A new truck comes at 9.")
        alert, _ = alert_send(
            organization=org,
            recipient=agent,
            kind=AlertKind.HANDOFF,
            text="Case #1 handed to you",
            dedupe_key="handoff:test",
            case=case,
        )
    mails = OutgoingMail.objects.order_by("id")
    assert [(m.kind, m.state, m.attempts) for m in mails] == [
        (MailKind.REPLY, MailState.RETRYING, 1),
        (MailKind.ALERT, MailState.RETRYING, 1),
    ]
    assert all(m.last_error.startswith("Could not reach the mail server") for m in mails)
    assert "retrying (attempt 1, next at" in case_page(org, case, agent)

    assert mail_send_due() == 2  # still down: both wait again
    assert set(OutgoingMail.objects.values_list("state", "attempts")) == {(MailState.RETRYING, 2)}

    box = Mailbox()
    with smtp_server_on(box, port):
        assert mail_send_due() == 2
        assert mail_send_due() == 0  # nothing is due any more: nothing is sent twice
    assert sorted(box.to()) == sorted([customer.identities.get().value, agent.email])
    reply.refresh_from_db()
    alert.refresh_from_db()
    assert reply.delivered_at is not None and alert.emailed_at is not None
    assert reply.external_id in box.message_ids()
    assert set(OutgoingMail.objects.values_list("state", "attempts")) == {(MailState.DELIVERED, 3)}
    page = case_page(org, case, agent)
    assert 'data-state="delivered"' in page and ">delivered<" in page


@pytest.mark.django_db
def test_a_deferred_mail_is_retried_and_delivered_once(
    org: Any, agent: Any, customer: Any, mailbox: Mailbox
) -> None:
    mailbox.answers = ["451 4.3.0 Mailbox busy, try again later"]
    case = factories.make_case(org, customer)
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="Checking now.")
    mail = OutgoingMail.objects.get(case_message=reply)
    assert mail.state == MailState.RETRYING
    assert "451 4.3.0 Mailbox busy" in mail.last_error
    assert mailbox.received == []

    assert mail_send_due() == 1
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.smtp_response) == (MailState.DELIVERED, 2, ACCEPT)
    assert (mailbox.data_calls, len(mailbox.received)) == (2, 1)


@pytest.mark.django_db
def test_back_off_doubles_up_to_the_cap_and_gives_up_after_the_last_attempt(
    org: Any, agent: Any, customer: Any, settings: Any
) -> None:
    use_smtp(settings, _free_port())
    settings.SAYSO_MAIL_RETRY_SECONDS = 60
    settings.SAYSO_MAIL_RETRY_MAX_SECONDS = 200
    settings.SAYSO_MAIL_MAX_ATTEMPTS = 4
    case = factories.make_case(org, customer)
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="Checking now.")
    mail = OutgoingMail.objects.get(case_message=reply)
    waits = []
    while mail.state == MailState.RETRYING:
        assert mail.next_attempt_at is not None and mail.last_attempt_at is not None
        waits.append(round((mail.next_attempt_at - mail.last_attempt_at).total_seconds()))
        assert mail_send(mail_id=mail.pk, now=mail.next_attempt_at) in MailState.values
        mail.refresh_from_db()
    assert waits == [60, 120, 200]
    assert (mail.state, mail.attempts) == (MailState.FAILED, 4)
    assert mail.last_error.startswith("Gave up after 4 attempts; the last: Could not reach")
    reply.refresh_from_db()
    assert reply.delivery_error == mail.last_error[:500]


@pytest.mark.django_db
def test_a_refused_reply_fails_at_once_with_the_reason_on_the_case_and_staff_can_retry(
    org: Any, agent: Any, customer: Any, mailbox: Mailbox, outsider: Any
) -> None:
    mailbox.answers = ["550 5.1.1 <ada@example.com>: Recipient address rejected"]
    case = factories.make_case(org, customer)
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="Your refund is on its way.")
    mail = OutgoingMail.objects.get(case_message=reply)
    assert (mail.state, mail.attempts) == (MailState.FAILED, 1)
    assert mail.last_error == (
        "Refused by the mail server: 550 5.1.1 <ada@example.com>: Recipient address rejected"
    )
    assert mail_send_due() == 0  # a permanent refusal is not retried by itself
    # Its author is told, in the inbox.
    assert Alert.objects.filter(recipient=agent, kind=AlertKind.MESSAGE_UNDELIVERED).exists()
    page = case_page(org, case, agent)
    assert "failed: Refused by the mail server: 550 5.1.1 &lt;ada@example.com&gt;" in page
    assert 'data-testid="retry-email"' in page

    # Admins see it among the organization's mail that did not go; agents may not list it.
    admin = factories.make_member(org, Role.ADMIN, username="admin2").user
    listing_url = reverse("mail-list", kwargs={"org": org.slug})
    listing = staff_client(admin).get(listing_url)
    assert listing.status_code == 200
    assert 'data-state="failed"' in listing.text and "550 5.1.1" in listing.text
    assert staff_client(agent).get(listing_url).status_code == 403
    retry = reverse(
        "case-mail-retry",
        kwargs={"org": org.slug, "number": case.number, "message_id": reply.pk},
    )
    # Staff of another organization cannot even find it.
    assert staff_client(outsider).post(retry).status_code == 404
    mail.refresh_from_db()
    assert mail.state == MailState.FAILED

    with after_commit():
        response = staff_client(agent).post(retry)
    assert response.status_code == 302
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.DELIVERED, 1)
    # Sent once; the other mail the server took is the author's alert of the failure.
    assert mailbox.message_ids().count(reply.external_id) == 1
    assert mailbox.data_calls == 1 + len(mailbox.received)
    assert ">delivered<" in case_page(org, case, agent)
    # The admins' page of mail that did not go is empty again.
    listing = staff_client(admin).get(listing_url)
    assert listing.status_code == 200 and "Every email went out." in listing.text


@pytest.mark.django_db
def test_the_api_message_carries_its_delivery_state(
    org: Any, agent: Any, customer: Any, mailbox: Mailbox
) -> None:
    from sayso.core.services import api_token_create

    mailbox.answers = ["452 4.2.2 Over quota for now"]
    membership = agent.memberships.get(organization=org)
    _, token = api_token_create(membership=membership, name="t", scopes=["cases:read"])
    case = factories.make_case(org, customer)
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="Checking now.")
    response = Client().get(
        f"/api/v1/cases/{case.number}/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    found = {item["id"]: item for item in response.json()["items"]}
    delivery = found[reply.pk]["delivery"]
    assert delivery["state"] == "retrying" and delivery["attempts"] == 1
    assert "452 4.2.2 Over quota" in delivery["last_error"]
    assert delivery["message_id"] == reply.external_id
    assert delivery["next_attempt_at"] is not None
    assert all(item["delivery"] is None for i, item in found.items() if i != reply.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", ["slow", "down"])
def test_portal_sign_in_answers_at_once_whatever_the_mail_server_does(
    server: str, settings: Any
) -> None:
    """The request only writes the outbox row and the task; the worker sends the link."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    org = factories.make_org("Haulright Trucks", "haulright")
    box = Mailbox(delay=3.0 if server == "slow" else 0.0)
    port = _free_port()
    use_smtp(settings, port)
    signin = reverse("portal-signin", kwargs={"org": org.slug})

    started = time.monotonic()
    if server == "slow":
        with smtp_server_on(box, port):
            response = Client().post(signin, {"email": "dana@example.com"})
    else:
        response = Client().post(signin, {"email": "dana@example.com"})
    took = time.monotonic() - started

    assert response.status_code == 200 and "Check your email" in response.text
    assert took < 2.0, f"sign-in took {took:.1f} s"
    mail = OutgoingMail.objects.get(kind=MailKind.SIGN_IN)
    assert mail.state == MailState.QUEUED and box.received == []

    with smtp_server_on(box, port):
        call_command("db_worker", "--batch", "--queue-name", "*", "--no-reload", verbosity=0)
    mail.refresh_from_db()
    assert mail.state == MailState.DELIVERED
    assert box.to() == ["dana@example.com"]
    assert "/signin/" in message_from_bytes(box.received[0], policy=policy.default).as_string()
    # The one-time link is not kept in the outbox once it is sent.
    assert "/signin/" not in mail.body


@pytest.mark.django_db
def test_queuing_the_same_mail_twice_sends_it_once(
    org: Any, agent: Any, customer: Any, mailbox: Mailbox
) -> None:
    from sayso.conversations.email_outbound import deliver_reply, reply_mail_queue

    case = factories.make_case(org, customer)
    with after_commit():
        reply = services.message_reply(case=case, author=agent, body="Done.")
        again = reply_mail_queue(message=Message.objects.get(pk=reply.pk))
    assert OutgoingMail.objects.filter(case_message=reply).count() == 1
    assert again.pk == OutgoingMail.objects.get(case_message=reply).pk
    assert deliver_reply(message_id=reply.pk) is False
    assert len(mailbox.received) == 1


@contextmanager
def smtp_server_on(handler: Any, port: int) -> Iterator[int]:
    """An SMTP server started on a given port (the one a "down" server comes back on)."""
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.mark.django_db
def test_a_mail_left_sending_is_taken_again_only_after_its_lease(
    org: Any, agent: Any, customer: Any, mailbox: Mailbox, settings: Any
) -> None:
    settings.SAYSO_MAIL_SENDING_LEASE_SECONDS = 300
    case = factories.make_case(org, customer)
    reply = services.message_reply(case=case, author=agent, body="Done.")  # not committed yet
    mail = OutgoingMail.objects.get(case_message=reply)
    # Its own task runs within seconds: the sweep leaves a fresh queued mail to it.
    assert mail_send_due(now=mail.created_at + timedelta(seconds=30)) == 0
    # A worker claimed it and died mid-exchange.
    claimed = timezone.now()
    OutgoingMail.objects.filter(pk=mail.pk).update(
        state=MailState.SENDING, attempts=1, last_attempt_at=claimed
    )
    assert mail_send_due(now=claimed + timedelta(seconds=299)) == 0
    assert mail_send(mail_id=mail.pk, now=claimed + timedelta(seconds=299)) == MailState.SENDING
    assert mailbox.received == []
    assert mail_send(mail_id=mail.pk, now=claimed + timedelta(seconds=301)) == MailState.DELIVERED
    assert mailbox.message_ids() == [reply.external_id]
    mail.refresh_from_db()
    assert mail.attempts == 2


@pytest.mark.django_db
def test_loading_the_demo_on_a_real_mail_server_mails_nobody(mailbox: Mailbox) -> None:
    from sayso.demo.data import load_demo

    with after_commit():  # every task the demo leaves for after commit runs, as in production
        result = load_demo()
    mails = OutgoingMail.objects.filter(organization=result.organization)
    assert mails.filter(kind=MailKind.REPLY).exists()  # it did decide to mail replies
    assert set(mails.values_list("state", "smtp_response")) == {
        (MailState.DELIVERED, "Not sent: demo data.")
    }
    # Each reply shows as gone on its case, as a delivered one does.
    replies = Message.objects.filter(pk__in=mails.values("case_message_id"))
    assert replies.exists()
    assert not replies.filter(delivered_at__isnull=True).exists()
    assert not replies.exclude(delivery_error="").exists()
    assert mailbox.data_calls == 0
    assert mail_send_due() == 0


@dataclass
class RefusingRecipients:
    """A server that answers every RCPT TO with ``answer``."""

    answer: str

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return self.answer


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ("550 5.1.1 <nobody@example.com>: no such user", MailState.FAILED),
        ("450 4.2.1 <nobody@example.com>: mailbox busy", MailState.RETRYING),
    ],
)
def test_a_recipient_refused_for_good_fails_and_one_refused_for_now_is_retried(
    answer: str, state: str, org: Any, settings: Any
) -> None:
    with smtp_server(RefusingRecipients(answer)) as port:
        use_smtp(settings, port)
        mail = mail_queue(
            kind=MailKind.ALERT,
            organization=org,
            to="nobody@example.com",
            subject="Case #4 handed to you",
            body="See the case.",
        )
        assert mail_send(mail_id=mail.pk) == state
    mail.refresh_from_db()
    assert answer in mail.last_error and mail.attempts == 1


@pytest.mark.django_db
def test_delivered_mail_is_pruned_after_the_days_kept_and_failed_mail_stays(
    org: Any, settings: Any
) -> None:
    settings.SAYSO_MAIL_KEEP_DAYS = 30
    now = timezone.now()
    old, recent, failed = (
        mail_queue(kind=MailKind.ALERT, organization=org, to=f"{n}@example.com", subject=n, body=n)
        for n in ("old", "recent", "failed")
    )
    OutgoingMail.objects.filter(pk=old.pk).update(
        state=MailState.DELIVERED, delivered_at=now - timedelta(days=31)
    )
    OutgoingMail.objects.filter(pk=recent.pk).update(
        state=MailState.DELIVERED, delivered_at=now - timedelta(days=29)
    )
    OutgoingMail.objects.filter(pk=failed.pk).update(state=MailState.FAILED)
    assert mail_prune(now=now) == 1
    assert set(OutgoingMail.objects.values_list("subject", flat=True)) == {"recent", "failed"}


@pytest.mark.django_db
def test_core_mail_goes_through_the_outbox(org: Any, admin_user: Any, mailbox: Mailbox) -> None:
    """core cannot import the outbox; the notifications app plugs it into ``core.mail``, so a
    staff invitation is an outbox row sent after commit like every other mail."""
    with after_commit():
        membership, invited = membership_invite(
            organization=org, email="new.agent@haulright.example", actor=admin_user
        )
    assert invited
    mail = OutgoingMail.objects.get(kind=MailKind.INVITATION, key=f"membership:{membership.pk}")
    assert (mail.state, mail.secret) == (MailState.DELIVERED, True)
    assert mailbox.to() == ["new.agent@haulright.example"]
    assert mailbox.message_ids() == [mail.message_id]


def test_a_delivery_watcher_names_a_kind_of_mail_the_outbox_knows() -> None:
    with pytest.raises(ValueError, match="Unknown kind of mail"):
        delivery_watcher_register("replies", lambda mail: None)
