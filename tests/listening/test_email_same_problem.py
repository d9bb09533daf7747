"""A new email that replies to nothing joins the sender's open case about the same problem
(and the case owner is alerted); an email about something else opens its own case."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case
from sayso.core.models import Role
from sayso.listening.email import email_receive
from sayso.notifications.models import Alert
from tests import factories


def _email(message_id: str, subject: str, body: str) -> bytes:
    return (
        f"From: Dana <dana@whitfield.example>\r\nTo: help@haulright.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}@whitfield.example>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.django_db
def test_a_fresh_email_about_the_same_problem_joins_the_open_case(
    org: Any, run_on_commit: Any
) -> None:
    lena = factories.make_member(org, Role.AGENT, username="lena").user
    dana = factories.make_customer(org, "Dana", "dana@whitfield.example")
    case = factories.make_case(
        org,
        dana,
        subject="Truck reservation for Saturday",
        body="I reserved a 16 ft truck for Saturday. You promised to call me by 5 pm to "
        "confirm the pickup time.",
        assignee=lena,
    )
    with run_on_commit(execute=True):
        joined = email_receive(
            organization=org,
            raw=_email(
                "m1",
                "Nobody called about my truck",
                "Still no call about the pickup time for my Saturday truck reservation.",
            ),
        )
    assert joined.message.case_id == case.pk
    assert joined.message.headers["listening"]["same_problem"] is True
    assert Alert.objects.filter(recipient=lena, case=case).exists()

    with run_on_commit(execute=True):
        other = email_receive(
            organization=org,
            raw=_email(
                "m2", "Invoice address", "Please send all invoices to our new office at 5 Elm St."
            ),
        )
    assert other.message.case_id != case.pk
    assert Case.objects.filter(customer=dana).count() == 2
