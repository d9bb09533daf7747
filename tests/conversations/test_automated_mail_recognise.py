"""``automated_mail_recognise``: header rules for mail no person wrote, and mail a person
wrote left alone; it never raises on broken input."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from sayso.conversations.automated_mail import automated_mail_recognise


def _mail(
    *,
    sender: str = "Ada <ada@example.com>",
    subject: str = "Truck",
    body: str = "Hi",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@haulright.test"
    msg["Subject"] = subject
    msg["Message-ID"] = "<one@example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("raw", "kind", "words"),
    [
        (_mail(List_Id="Truck news <news.haulright.example>"), "bulk", "List-Id"),
        (_mail(List_Unsubscribe="<mailto:leave@news.example>"), "bulk", "List-Unsubscribe"),
        (_mail(Precedence="junk"), "bulk", "Precedence: junk"),
        (_mail(Auto_Submitted="auto-generated"), "notice", "Auto-Submitted: auto-generated"),
        (_mail(Auto_Submitted="auto-replied"), "auto_reply", "RFC 3834"),
        (_mail(X_Autorespond="yes"), "auto_reply", "X-Autorespond"),
        (_mail(subject="Réponse automatique : Truck"), "auto_reply", "out-of-office subject"),
        (_mail(subject="Respuesta automática: Truck"), "auto_reply", "out-of-office subject"),
        (_mail(subject="Out of Office"), "auto_reply", "out-of-office subject"),
        (
            _mail(sender="Mail Delivery System <bounces@mx.example>", subject="Failure"),
            "bounce",
            "mailer-daemon",
        ),
        (
            _mail(sender="postmaster@mx.example", subject="Delivery has failed"),
            "bounce",
            "postmaster",
        ),
    ],
)
def test_automated_mail_is_recognised_with_its_reason(raw: bytes, kind: str, words: str) -> None:
    verdict = automated_mail_recognise(raw)

    assert verdict is not None
    assert verdict.kind == kind
    assert words in verdict.reason
    assert verdict.message_id == "<one@example.com>"


@pytest.mark.parametrize(
    "raw",
    [
        _mail(body="I was out of the office until Monday; is my truck booked?"),
        _mail(subject="Re: auto reply settings in your app", body="How do I turn them off?"),
        _mail(Auto_Submitted="no"),
        _mail(sender="postmaster@haulright-customer.example", subject="Invoice question"),
        _mail(subject="Delivery of my truck has failed twice"),
    ],
)
def test_mail_a_person_wrote_is_not_recognised(raw: bytes) -> None:
    assert automated_mail_recognise(raw) is None


def test_an_email_message_object_is_read_like_bytes() -> None:
    msg = email.message_from_bytes(_mail(Precedence="bulk"), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)

    verdict = automated_mail_recognise(msg)

    assert verdict is not None and verdict.kind == "bulk"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\n\n--\n",
        b"Message-ID: <<<>>>\nFrom: MAILER-DAEMON\nSubject: =?x?q?broken?=\n\n",
    ],
)
def test_broken_input_never_raises(raw: bytes) -> None:
    automated_mail_recognise(raw)  # no exception is the point


def test_a_bare_delivery_status_without_a_sender_is_a_bounce() -> None:
    raw = b"From: <>\nContent-Type: message/delivery-status\n\nAction: failed\nStatus: 5.1.1\n"

    verdict = automated_mail_recognise(raw)

    assert verdict is not None and verdict.kind == "bounce" and verdict.status == "5.1.1"
