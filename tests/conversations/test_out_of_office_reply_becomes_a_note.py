"""An out-of-office reply to a staff reply becomes an internal note on the case ("auto-reply:
away until …"); it does not re-open the case, speak as the customer or alert as new mail.
A customer's own mail that merely says they were away still opens a case."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import pytest
from django.core import mail

from sayso.conversations.email_outbound import deliver_reply
from sayso.conversations.models import Case, CaseStatus, Direction, Message, Visibility
from sayso.conversations.services import case_update, message_reply
from sayso.listening.email import email_receive
from tests import factories

pytestmark = pytest.mark.django_db


def _mail(*, subject: str, body: str, headers: dict[str, str] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada Lovelace <ada@example.com>"
    msg["To"] = "help@haulright.test"
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = f"<{abs(hash((subject, body)))}@mail.example.com>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("subject", "headers"),
    [
        ("Automatic reply: Re: Truck booking", {"Auto-Submitted": "auto-replied"}),
        ("Out of Office: Re: Truck booking", {}),
        ("Abwesenheitsnotiz: Re: Truck booking", {"X-Autoreply": "yes"}),
    ],
)
def test_an_out_of_office_reply_is_a_note_on_the_case(
    org: Any, agent: Any, subject: str, headers: dict[str, str]
) -> None:
    customer = factories.make_customer(org, "Ada Lovelace", "ada@example.com")
    case = factories.make_case(org, customer, subject="Truck booking")
    reply = message_reply(case=case, author=agent, body="Your truck is booked.")
    deliver_reply(message_id=reply.pk)
    case_update(case=case, actor=agent, status=CaseStatus.RESOLVED)
    reply_id = mail.outbox[-1].extra_headers["Message-ID"]
    inbound_before = Message.objects.filter(direction=Direction.INBOUND).count()

    raw = _mail(
        subject=subject,
        body="I am out of the office until Monday 14 December. For urgent matters call Bob.",
        headers={"In-Reply-To": reply_id, "References": reply_id, **headers},
    )
    result = email_receive(organization=org, raw=raw)

    assert result.automated is not None and result.automated.kind == "auto_reply"
    note = Message.objects.get(case=case, direction=Direction.INTERNAL)
    assert note.visibility == Visibility.INTERNAL
    assert note.body.startswith("auto-reply: away until Monday 14 December")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert Message.objects.filter(direction=Direction.INBOUND).count() == inbound_before


def test_an_auto_reply_naming_the_case_token_finds_it(org: Any, agent: Any) -> None:
    customer = factories.make_customer(org, "Ada Lovelace", "ada@example.com")
    case = factories.make_case(org, customer, subject="Truck booking")

    raw = _mail(
        subject=f"Automatic reply: Re: Truck booking [#{case.number}]",
        body="I'm away and will be back on 3 January.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    result = email_receive(organization=org, raw=raw)

    assert result.automated is not None and result.automated.case == case
    note = Message.objects.get(case=case, direction=Direction.INTERNAL)
    assert note.body.startswith("auto-reply: away until 3 January")


def test_a_customer_who_says_they_were_away_still_opens_a_case(org: Any) -> None:
    cases = Case.objects.count()
    raw = _mail(
        subject="Re: Out of office hours support?",
        body="I was away until Monday and out of the office, so I missed your call. "
        "Is my truck still booked?",
    )

    result = email_receive(organization=org, raw=raw)

    assert result.automated is None and result.message is not None
    assert result.message.direction == Direction.INBOUND
    assert Case.objects.count() == cases + 1
