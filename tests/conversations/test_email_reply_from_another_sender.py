"""A reply's headers are a claim, not an identity (issue 19, finding 4): an email whose
``In-Reply-To`` names a message of Dana's case, but whose sender is not Dana, is never stored
as Dana's message or shown as "You" in her portal: it opens its sender's own case, marked for
staff as kept apart. Dana's own replies, and the ``[#N]`` subject tag, thread as before."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.conversations.email_inbound import email_ingest
from sayso.conversations.models import Case, Message
from sayso.conversations.services import message_receive
from sayso.customers.models import Customer, Identity
from sayso.customers.services import customer_get_or_create_by_identity, portal_login_link_send
from tests import factories

DANA = "dana@whitfield.example"
MALLORY = "mallory@attacker.example"
THREAD_ID = "<dana-1@whitfield.example>"

pytestmark = pytest.mark.django_db


def mail(
    *,
    sender: str,
    message_id: str,
    subject: str = "Re: Truck booking",
    body: str = "Please send the refund to my new account instead.",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@haulright.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture
def dana(org: Any) -> Customer:
    return factories.make_customer(org, "Dana Whitfield", DANA)


@pytest.fixture
def danas_case(org: Any) -> Case:
    first = email_ingest(
        organization=org,
        raw=mail(
            sender=f"Dana Whitfield <{DANA}>",
            message_id=THREAD_ID,
            subject="Truck booking",
            body="Is a 20-foot truck free on Saturday?",
        ),
    )
    return first.case


def signed_in_as(org: Any, email: str) -> Client:
    client = Client()
    raw = portal_login_link_send(organization=org, email=email)
    client.post(reverse("portal-signin-confirm", kwargs={"org": org.slug, "token": raw}))
    return client


def test_a_stranger_replying_to_danas_thread_opens_their_own_case(
    org: Any, dana: Customer, danas_case: Case, agent: Any
) -> None:
    result = email_ingest(
        organization=org,
        raw=mail(sender=MALLORY, message_id="<m-1@attacker.example>", In_Reply_To=THREAD_ID),
    )

    assert result.created
    assert result.case != danas_case
    assert danas_case.messages.count() == 1
    mallory = result.message.customer
    assert mallory != dana and result.case.customer == mallory
    assert result.message.author_identity is not None
    assert result.message.author_identity.value == MALLORY
    assert result.message.headers["kept_apart_from"] == danas_case.number
    # Dana's portal does not show it, as hers or at all.
    portal = signed_in_as(org, DANA)
    page = portal.get(reverse("portal-case", kwargs={"org": org.slug, "number": danas_case.number}))
    assert "new account" not in page.text
    assert page.text.count(">You<") == 1
    # Staff see it on Mallory's case, marked as kept apart from Dana's.
    staff = Client()
    staff.force_login(agent)
    own = staff.get(reverse("case-detail", kwargs={"org": org.slug, "number": result.case.number}))
    assert 'data-testid="kept-apart"' in own.text
    assert f"Replied to case #{danas_case.number}" in own.text


def test_danas_own_reply_still_threads_into_her_case(
    org: Any, dana: Customer, danas_case: Case
) -> None:
    result = email_ingest(
        organization=org,
        raw=mail(
            sender=DANA.upper(), message_id="<dana-2@whitfield.example>", In_Reply_To=THREAD_ID
        ),
    )

    assert result.case == danas_case
    assert result.message.customer == dana
    assert "kept_apart_from" not in result.message.headers


def test_a_reply_from_another_address_of_the_cases_customer_threads(
    org: Any, dana: Customer, danas_case: Case
) -> None:
    Identity.objects.create(
        organization=org, customer=dana, kind="email", value="dana@home.example"
    )

    result = email_ingest(
        organization=org,
        raw=mail(sender="dana@home.example", message_id="<d-3@home.example>", References=THREAD_ID),
    )

    assert result.case == danas_case
    assert result.message.author_identity is not None
    assert result.message.author_identity.value == "dana@home.example"


def test_the_case_tag_joins_for_the_customer_only(
    org: Any, dana: Customer, danas_case: Case
) -> None:
    subject = f"Re: Truck booking [#{danas_case.number}]"
    stranger = email_ingest(
        organization=org, raw=mail(sender=MALLORY, message_id="<m-2@a.example>", subject=subject)
    )
    own = email_ingest(
        organization=org, raw=mail(sender=DANA, message_id="<d-4@w.example>", subject=subject)
    )

    assert stranger.case != danas_case
    assert "kept_apart_from" not in stranger.message.headers
    assert own.case == danas_case


def test_a_message_stored_before_the_fix_is_not_shown_as_the_customers(
    org: Any, dana: Customer, danas_case: Case, agent: Any
) -> None:
    # What the old code stored: Mallory's words on Dana's case, with Mallory's identity.
    _, identity, _ = customer_get_or_create_by_identity(
        organization=org, kind="email", value=MALLORY
    )
    message_receive(
        organization=org,
        customer=dana,
        channel="email",
        body="Please send the refund to my new account instead.",
        case=danas_case,
        author_identity=identity,
    )
    assert Message.objects.filter(case=danas_case).count() == 2

    portal = signed_in_as(org, DANA)
    page = portal.get(reverse("portal-case", kwargs={"org": org.slug, "number": danas_case.number}))
    staff = Client()
    staff.force_login(agent)
    case_page = staff.get(
        reverse("case-detail", kwargs={"org": org.slug, "number": danas_case.number})
    )

    assert page.text.count(">You<") == 1
    assert "Another sender (not verified)" in page.text
    assert f"Dana Whitfield &lt;{MALLORY}&gt;" not in case_page.text
    assert "unverified sender" in case_page.text
