from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case, Message
from sayso.core.models import Scope
from sayso.customers.models import Customer

pytestmark = pytest.mark.django_db

PATH = "/inbound/email"


def raw_email(
    *,
    message_id: str = "<first@mail.example.com>",
    sender: str = "Ada Lovelace <ada@example.com>",
    subject: str = "Truck booking",
    body: str = "Can I book a truck for Friday?",
    headers: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\n"
        "To: help@haulright.test\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Thu, 01 May 2025 09:30:00 +0000\r\n"
        f"{headers}"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def _counts(org: Any) -> tuple[int, int, int]:
    return (
        Message.objects.filter(organization=org).count(),
        Case.objects.filter(organization=org).count(),
        Customer.objects.filter(organization=org).count(),
    )


def test_an_email_becomes_a_message_on_a_new_case(api: Any, org: Any, customer: Any) -> None:
    response = api.post_raw(PATH, raw_email())

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["customer_id"] == customer.pk  # recognised by the email identity
    message = Message.objects.get(pk=body["message_id"])
    assert message.case.number == body["case_number"]
    assert (message.channel, message.direction) == ("email", "inbound")
    assert message.body == "Can I book a truck for Friday?"
    assert message.external_id == "<first@mail.example.com>"


def test_a_redelivery_answers_200_and_stores_nothing_new(api: Any, org: Any) -> None:
    first = api.post_raw(PATH, raw_email(), content_type="application/octet-stream")
    before = _counts(org)

    again = api.post_raw(PATH, raw_email())

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert _counts(org) == before


def test_a_reply_joins_the_case_it_answers(api: Any, org: Any) -> None:
    first = api.post_raw(PATH, raw_email()).json()

    reply = api.post_raw(
        PATH,
        raw_email(
            message_id="<second@mail.example.com>",
            subject="Re: Truck booking",
            body="Also Saturday?",
            headers="In-Reply-To: <first@mail.example.com>\r\n",
        ),
    )

    assert reply.status_code == 201
    assert reply.json()["case_number"] == first["case_number"]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"", "The email is empty."),
        (b"just some words, no headers at all", "This is not an email: no headers were found."),
        (raw_email(sender=""), "The email has no sender (From header)."),
        (raw_email(sender="Bob <bob@@example>"), None),
    ],
)
def test_a_malformed_email_is_400_and_writes_nothing(
    api: Any, org: Any, raw: bytes, detail: str | None
) -> None:
    before = _counts(org)

    response = api.post_raw(PATH, raw)

    assert response.status_code == 400
    assert response.json()["detail"]
    if detail is not None:
        assert response.json()["detail"] == detail
    assert _counts(org) == before


def test_an_oversized_email_is_413_and_writes_nothing(api: Any, org: Any, settings: Any) -> None:
    settings.SAYSO_MAX_INBOUND_EMAIL_BYTES = 2_000
    before = _counts(org)

    response = api.post_raw(PATH, raw_email(body="x" * 3_000))

    assert response.status_code == 413
    assert response.json() == {"detail": "The email is too large (2,000 bytes at most)."}
    assert _counts(org) == before


def test_an_email_larger_than_djangos_form_limit_is_accepted(api: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = api.post_raw(PATH, raw_email(body="long line\r\n" * 500))

    assert response.status_code == 201


def test_another_content_type_is_415(api: Any, org: Any) -> None:
    response = api.post_raw(PATH, raw_email(), content_type="application/json")

    assert response.status_code == 415
    assert "message/rfc822" in response.json()["detail"]
    assert _counts(org) == (0, 0, 0)


def test_needs_the_inbound_email_scope(scoped_api: Any, org: Any) -> None:
    response = scoped_api(Scope.CASES_WRITE).post_raw(PATH, raw_email())

    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope inbound:email."}
    assert _counts(org) == (0, 0, 0)


def test_mail_goes_to_the_tokens_organization_only(
    api: Any, rival_api: Any, org: Any, other_org: Any
) -> None:
    ours = api.post_raw(PATH, raw_email()).json()

    # The same thread delivered to the rival's hook never joins (or reveals) our case.
    theirs = rival_api.post_raw(
        PATH,
        raw_email(
            message_id="<second@mail.example.com>",
            headers="In-Reply-To: <first@mail.example.com>\r\n",
        ),
    )

    assert theirs.status_code == 201
    assert Message.objects.get(pk=theirs.json()["message_id"]).organization == other_org
    assert Message.objects.filter(organization=org).count() == 1
    assert Case.objects.get(organization=org, number=ours["case_number"]).messages.count() == 1
