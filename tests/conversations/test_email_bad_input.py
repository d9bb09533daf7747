"""Inbound email that is broken, hostile or merely unusual.

Whatever arrives, ``email_ingest`` either stores a sensible message or refuses with a
``ValidationError`` that says why, and a refusal leaves no row behind.
"""

from __future__ import annotations

import random
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.conversations.email_inbound import email_ingest
from sayso.conversations.models import Case, Message
from sayso.customers.models import Customer, Identity, TimelineEvent
from tests import factories


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Identity, Case, Message, TimelineEvent)
    }


def refused(org: Any, raw: bytes) -> str:
    """Ingest ``raw`` expecting a refusal; return its message after checking nothing stayed."""
    before = _counts()
    with pytest.raises(ValidationError) as info:
        email_ingest(organization=org, raw=raw)
    assert _counts() == before
    return " ".join(info.value.messages)


def mail(
    *,
    body: str = "Hello, I need help with my booking.",
    sender: str = "Grace Hopper <grace@example.com>",
    subject: str = "Booking",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "help@haulright.test"
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("Message_ID", "") or make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


# Refused -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n  ", b"\n"])
def test_empty_email_is_refused(org: Any, raw: bytes) -> None:
    assert refused(org, raw) == "The email is empty."


@pytest.mark.django_db
def test_random_bytes_are_refused(org: Any) -> None:
    rng = random.Random(20250301)
    for _ in range(25):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000)))
        reason = refused(org, raw)
        assert reason in {
            "This is not an email: no headers were found.",
            "The email has no sender (From header).",
        }


@pytest.mark.django_db
def test_text_without_headers_is_refused(org: Any) -> None:
    reason = refused(org, b"Hi, my truck did not arrive.\n\nPlease call me back.\n")
    assert reason == "This is not an email: no headers were found."


@pytest.mark.django_db
def test_header_only_garbage_is_refused_for_lack_of_a_sender(org: Any) -> None:
    raw = b"X-Garbage: \x00\xff\xfe\r\nContent-Type: multipart/mixed; boundary=\r\n??: ??\r\n"
    assert refused(org, raw) == "The email has no sender (From header)."


@pytest.mark.django_db
def test_email_without_from_is_refused(org: Any) -> None:
    assert refused(org, mail(sender="")) == "The email has no sender (From header)."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sender", ["not an address", "grace@", "@example.com", "grace@exa mple.com", "<@>"]
)
def test_email_from_an_invalid_address_is_refused(org: Any, sender: str) -> None:
    raw = b"From: " + sender.encode() + b"\r\nSubject: hi\r\n\r\nhello\r\n"
    reason = refused(org, raw)
    assert "is not a valid email address" in reason or "no sender" in reason


@pytest.mark.django_db
def test_oversized_email_is_refused_before_it_is_parsed(org: Any, settings: Any) -> None:
    settings.SAYSO_MAX_INBOUND_EMAIL_BYTES = 1_000
    raw = mail(body="x" * 2_000)
    assert refused(org, raw) == f"The email is too large ({len(raw):,} bytes; 1,000 at most)."


@pytest.mark.django_db
def test_oversized_body_from_a_new_sender_is_refused_and_no_customer_is_left(
    org: Any, settings: Any
) -> None:
    settings.SAYSO_MAX_MESSAGE_CHARS = 100
    reason = refused(org, mail(body="word " * 100))
    assert reason == "The message is too long (499 characters; 100 at most)."
    assert not Identity.objects.filter(value="grace@example.com").exists()


# Stored, sensibly --------------------------------------------------------------------------


@pytest.mark.django_db
def test_latin1_body_is_decoded(org: Any) -> None:
    raw = (
        b"From: Zo\xe9 <zoe@example.fr>\r\nSubject: =?iso-8859-1?q?R=E9servation?=\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Ca me pla\xeet, d\xe9j\xe0 r\xe9serv\xe9.\r\n"
    )
    message = email_ingest(organization=org, raw=raw).message
    assert message.body == "Ca me plaît, déjà réservé."
    assert message.subject == "Réservation"


@pytest.mark.django_db
def test_unknown_charset_is_read_by_detection(org: Any) -> None:
    raw = (
        b"From: grace@example.com\r\nSubject: odd\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"Booked \xe0 truck, d\xe9j\xe0 r\xe9serv\xe9\r\n"
    )
    message = email_ingest(organization=org, raw=raw).message
    # The charset is unknown: the bytes are read by detection (charset-normalizer).
    assert message.body == "Booked à truck, déjà réservé"


@pytest.mark.django_db
def test_windows_1252_quoted_printable_body_is_decoded(org: Any) -> None:
    raw = (
        b"From: grace@example.com\r\nSubject: quotes\r\n"
        b"Content-Type: text/plain; charset=windows-1252\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"=93Tomorrow=94 =96 you said =80 50.\r\n"
    )
    message = email_ingest(organization=org, raw=raw).message
    assert message.body == "\u201cTomorrow\u201d \u2013 you said \u20ac 50."


@pytest.mark.django_db
def test_html_only_email_is_stored_as_text_without_tags(org: Any) -> None:
    msg = EmailMessage()
    msg["From"] = "grace@example.com"
    msg["Subject"] = "HTML"
    msg.set_content(
        "<html><head><style>p { color: red }</style><script>alert('x')</script></head>"
        "<body><p>Hello <b>there</b></p><p>Line&nbsp;two &amp; more<br>third</p>"
        "<img src=x onerror=alert(1)></body></html>",
        subtype="html",
    )
    message = email_ingest(organization=org, raw=msg.as_bytes()).message
    assert "<" not in message.body
    assert "alert" not in message.body
    assert "color" not in message.body
    lines = [line.strip() for line in message.body.splitlines() if line.strip()]
    # A no-break space is layout: it reads as a space (sayso/core/html_text.py).
    assert lines == ["Hello there", "Line two & more", "third"]


@pytest.mark.django_db
def test_plain_part_is_preferred_over_html(org: Any) -> None:
    msg = EmailMessage()
    msg["From"] = "grace@example.com"
    msg["Subject"] = "Both"
    msg.set_content("Plain words")
    msg.add_alternative("<p>HTML words</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    assert email_ingest(organization=org, raw=msg.as_bytes()).message.body == "Plain words"


@pytest.mark.django_db
def test_nul_characters_are_dropped(org: Any) -> None:
    raw = b"From: grace@example.com\r\nSubject: a\x00b\r\n\r\nbook\x00ed\r\n"
    message = email_ingest(organization=org, raw=raw).message
    assert message.body == "booked"
    assert message.subject == "ab"


@pytest.mark.django_db
def test_malformed_message_id_is_not_a_crash_and_redelivery_is_still_recognised(
    org: Any,
) -> None:
    raw = b"From: grace@example.com\r\nMessage-ID: <<<>>>\r\nSubject: x\r\n\r\nhello\r\n"
    first = email_ingest(organization=org, raw=raw)
    again = email_ingest(organization=org, raw=raw)
    assert first.created
    assert not again.created
    assert again.message == first.message
    assert first.message.external_id.endswith("@sayso.no-message-id>")


@pytest.mark.django_db
def test_malformed_date_falls_back_to_arrival_time(org: Any) -> None:
    before = timezone.now()
    message = email_ingest(
        organization=org, raw=mail(Date="Mon, 99 Foo 2020 99:99:99 +9999")
    ).message
    assert message.sent_at >= before


@pytest.mark.django_db
def test_future_date_is_clamped_to_now(org: Any) -> None:
    future = timezone.now() + timedelta(days=365)
    message = email_ingest(organization=org, raw=mail(Date=format_datetime(future))).message
    assert message.sent_at <= timezone.now()


@pytest.mark.django_db
def test_very_long_message_id_is_recognised_on_redelivery_and_threads(org: Any) -> None:
    long_id = "<" + "x" * 700 + "@mail.example.com>"  # stored ids are cut at 500 characters
    raw = b"From: grace@example.com\r\nMessage-ID: " + long_id.encode() + b"\r\n\r\nhello\r\n"
    stored = email_ingest(organization=org, raw=raw)
    again = email_ingest(organization=org, raw=raw)
    reply = email_ingest(
        organization=org,
        raw=b"From: grace@example.com\r\nIn-Reply-To: "
        + long_id.encode()
        + b"\r\nSubject: again\r\n\r\nany news?\r\n",
    )
    assert stored.created
    assert not again.created
    assert again.message == stored.message
    assert reply.case == stored.case


@pytest.mark.django_db
def test_reply_dated_before_the_message_it_answers_is_listed_after_it(org: Any) -> None:
    """The sender's clock is ten minutes slow: the answer still follows the question."""
    question_id = make_msgid(domain="mail.example.com")
    question = email_ingest(organization=org, raw=mail(Message_ID=question_id)).message
    slow_clock = format_datetime(question.sent_at - timedelta(minutes=10))
    answer = email_ingest(
        organization=org,
        raw=mail(body="Never mind, found it.", Date=slow_clock, In_Reply_To=question_id),
    ).message
    assert answer.case == question.case
    assert answer.sent_at > question.sent_at
    assert list(question.case.messages.values_list("body", flat=True)) == [
        "Hello, I need help with my booking.",
        "Never mind, found it.",
    ]


# Who the sender is -------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_sender_becomes_a_new_customer(org: Any, customer: Any) -> None:
    result = email_ingest(organization=org, raw=mail(sender="Someone New <new.person@example.net>"))
    assert result.message.customer != customer
    assert result.message.customer.display_name == "Someone New"
    assert result.message.author_identity is not None
    assert result.message.author_identity.value == "new.person@example.net"
    assert result.case.customer == result.message.customer


@pytest.mark.django_db
def test_known_sender_is_recognised_whatever_the_case_of_the_address(
    org: Any, customer: Any
) -> None:
    result = email_ingest(organization=org, raw=mail(sender="ADA@Example.COM"))
    assert result.message.customer == customer
    assert Customer.objects.filter(organization=org).count() == 1


@pytest.mark.django_db
def test_case_token_from_another_sender_does_not_join_that_case(org: Any, customer: Any) -> None:
    adas_case = factories.make_case(org, customer, subject="Private matter")
    intruder = email_ingest(
        organization=org,
        raw=mail(sender="mallory@example.net", subject=f"Re: Private matter [#{adas_case.number}]"),
    )
    assert intruder.case != adas_case
    assert intruder.case.customer.display_name == "mallory@example.net"
    assert adas_case.messages.count() == 1
    # The case's own customer, writing with the token, does join it.
    own = email_ingest(
        organization=org,
        raw=mail(sender="ada@example.com", subject=f"Re: Private matter [#{adas_case.number}]"),
    )
    assert own.case == adas_case


@pytest.mark.django_db
def test_case_token_of_another_organization_does_not_join_its_case(
    org: Any, other_org: Any
) -> None:
    theirs = factories.make_case(other_org, factories.make_customer(other_org, email="g@x.test"))
    result = email_ingest(
        organization=org, raw=mail(sender="g@x.test", subject=f"Re: [#{theirs.number}]")
    )
    assert result.case.organization == org
    assert result.case != theirs
    assert theirs.messages.count() == 1
