"""An email typed into the widget is a claim, not an identity (issue 19, finding 3): a post
with an existing customer's address never joins their case, never shows as them to staff or as
"You" in their portal; it goes to an unverified contact, and only the link emailed to the
address attaches it to the customer who holds it (through a merge that staff can undo)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.conversations.models import Case, Message
from sayso.conversations.services import message_reply
from sayso.customers.models import Customer, Identity, IdentityClaim, IdentityKind
from sayso.customers.services import (
    customer_merge,
    customer_unmerge,
    portal_login_link_send,
)
from sayso.listening.models import Mention, Outcome, Source
from sayso.listening.services import source_create
from sayso.notifications.models import OutgoingMail
from tests import factories
from tests.after_commit import after_commit

SITE = "https://www.haulright.example"
URL = "/o/haulright/widget/messages"
DANA = "dana@whitfield.example"
PROBLEM = "The booking page froze when I picked Saturday for the truck. Could you check it?"

pytestmark = pytest.mark.django_db


@pytest.fixture
def widget(org: Any) -> Source:
    return source_create(
        organization=org, name="Website widget", kind="widget", allowed_origins=SITE
    )


@pytest.fixture
def dana(org: Any) -> Customer:
    return factories.make_customer(org, "Dana Whitfield", DANA)


@pytest.fixture
def danas_case(org: Any, dana: Customer) -> Case:
    return factories.make_case(org, dana, subject="Booking page froze", body=PROBLEM)


def post(client: Client, message: str = PROBLEM, email: str = DANA) -> Any:
    payload = {"message": message, "email": email, "submission_id": str(uuid.uuid4())}
    with after_commit():  # the outbox sends the confirmation once the request has committed
        return client.post(
            URL,
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Origin": SITE},
        )


def confirmation_link(org: Any) -> str:
    found = re.search(r"http://testserver(/o/[^/]+/confirm/[^/\s]+/)", mail.outbox[-1].body)
    assert found is not None, mail.outbox[-1].body
    return found.group(1)


def signed_in_as(org: Any, email: str) -> Client:
    client = Client()
    raw = portal_login_link_send(organization=org, email=email)
    response = client.post(reverse("portal-signin-confirm", kwargs={"org": org.slug, "token": raw}))
    assert response.status_code == 302
    return client


def staff(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def the_widget_message() -> Message:
    return Message.objects.get(channel="widget")


def test_a_post_with_a_customers_address_does_not_join_or_speak_as_them(
    client: Client, org: Any, widget: Source, dana: Customer, danas_case: Case, agent: Any
) -> None:
    response = post(client)

    assert response.status_code == 201
    message = the_widget_message()
    assert message.case != danas_case
    assert danas_case.messages.count() == 1
    contact = message.customer
    assert contact != dana and message.case.customer == contact
    assert contact.is_prospect and "unverified" in contact.display_name
    claimed = Identity.objects.get(customer=contact)
    assert (claimed.kind, claimed.value, claimed.verified_at) == (
        IdentityKind.EMAIL_CLAIMED,
        DANA,
        None,
    )
    assert not Identity.objects.filter(customer=dana).exclude(kind=IdentityKind.EMAIL).exists()
    # A confirmation link went to the claimed address, and only there.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [DANA]
    assert "/confirm/" in mail.outbox[0].body
    # Staff see an unverified sender, not Dana Whitfield.
    page = staff(agent).get(
        reverse("case-detail", kwargs={"org": org.slug, "number": message.case.number})
    )
    assert page.status_code == 200
    assert "Dana Whitfield" not in page.text
    assert "unverified sender" in page.text
    assert 'data-testid="unverified-contact"' in page.text
    # Dana's portal neither lists the message nor shows it as hers.
    portal = signed_in_as(org, DANA)
    cases = portal.get(reverse("portal-cases", kwargs={"org": org.slug}))
    assert f"#{message.case.number}" not in cases.text
    own = portal.get(reverse("portal-case", kwargs={"org": org.slug, "number": danas_case.number}))
    assert own.text.count(">You<") == 1  # her own first message only
    other = portal.get(
        reverse("portal-case", kwargs={"org": org.slug, "number": message.case.number})
    )
    assert other.status_code == 404


def test_more_posts_with_the_address_stay_with_one_contact_and_one_email(
    client: Client, org: Any, widget: Source, dana: Customer, danas_case: Case
) -> None:
    post(client)
    post(client, message="Also the Sunday slot shows no trucks at all, which seems wrong.")

    contacts = {m.customer_id for m in Message.objects.filter(channel="widget")}
    assert len(contacts) == 1 and dana.pk not in contacts
    assert len(mail.outbox) == 1
    assert IdentityClaim.objects.count() == 1


def test_using_the_link_attaches_the_message_to_the_address_holder(
    client: Client, org: Any, widget: Source, dana: Customer, danas_case: Case
) -> None:
    post(client)
    message = the_widget_message()
    contact = message.customer
    link = confirmation_link(org)
    visitor = Client()

    assert visitor.get(link).status_code == 200  # a mail scanner's GET uses nothing
    assert Message.objects.get(pk=message.pk).customer == contact
    response = visitor.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal-cases", kwargs={"org": org.slug})
    message.refresh_from_db()
    assert message.customer == dana and message.case.customer == dana
    contact.refresh_from_db()
    assert contact.merged_into == dana
    held = Identity.objects.filter(customer=dana, kind=IdentityKind.EMAIL, value=DANA)
    assert held.exists() and not held.filter(verified_at__isnull=True).exists()
    assert not Identity.objects.filter(kind=IdentityKind.EMAIL_CLAIMED).exists()
    # The link signed Dana in; her portal now shows the message as hers.
    page = visitor.get(
        reverse("portal-case", kwargs={"org": org.slug, "number": message.case.number})
    )
    assert page.status_code == 200 and ">You<" in page.text
    # A link works once.
    again = Client().post(link)
    assert again.status_code == 400 and "already used" in again.text
    # The attachment is a merge: staff can undo it.
    claim = IdentityClaim.objects.get()
    assert claim.merge is not None and claim.confirmed_as == dana
    customer_unmerge(merge=claim.merge)
    message.refresh_from_db()
    assert message.customer == contact


def test_the_link_of_an_address_nobody_holds_makes_the_contact_its_customer(
    client: Client, org: Any, widget: Source
) -> None:
    post(client, email="new.person@example.com")
    message = the_widget_message()

    response = Client().post(confirmation_link(org))

    assert response.status_code == 302
    customer = Customer.objects.get(pk=message.customer_id)
    assert customer.display_name == "new.person@example.com"
    identity = Identity.objects.get(customer=customer)
    assert identity.kind == IdentityKind.EMAIL and identity.verified_at is not None


def test_an_expired_or_unknown_link_is_a_400_and_attaches_nothing(
    client: Client, org: Any, widget: Source, dana: Customer, danas_case: Case
) -> None:
    post(client)
    link = confirmation_link(org)
    IdentityClaim.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    expired = Client().post(link)
    unknown = Client().post(reverse("portal-claim-confirm", kwargs={"org": org.slug, "token": "x"}))

    assert expired.status_code == 400 and "expired" in expired.text
    assert unknown.status_code == 400 and "not valid" in unknown.text
    assert the_widget_message().customer != dana


def test_a_staff_merge_does_not_make_later_claims_the_customers(
    client: Client, org: Any, widget: Source, dana: Customer, danas_case: Case
) -> None:
    post(client)
    contact = the_widget_message().customer
    customer_merge(source=contact, target=dana)

    post(client, message="Please refund my deposit to the card ending 4242 instead.")

    newest = Message.objects.filter(channel="widget").order_by("-id").first()
    assert newest is not None and newest.customer != dana
    assert not Identity.objects.filter(customer=dana, kind=IdentityKind.EMAIL_CLAIMED).exists()
    # The first message, moved by staff, still shows Dana as not its verified author.
    portal = signed_in_as(org, DANA)
    moved = Message.objects.filter(channel="widget").order_by("id").first()
    assert moved is not None and moved.customer == dana
    page = portal.get(reverse("portal-case", kwargs={"org": org.slug, "number": moved.case.number}))
    assert "Another sender (not verified)" in page.text and ">You<" not in page.text


def test_spam_sends_no_confirmation_email(client: Client, org: Any, widget: Source) -> None:
    response = post(
        client,
        message="Helpful read. Order sildenafil and more at http://rx-express-meds.net today.",
    )

    assert response.status_code == 201
    assert Mention.objects.get().outcome == Outcome.SPAM
    assert mail.outbox == []
    assert not IdentityClaim.objects.exists()


def test_a_staff_reply_to_an_unverified_contact_is_not_emailed(
    client: Client, org: Any, widget: Source, dana: Customer, agent: Any
) -> None:
    post(client)
    case = the_widget_message().case
    mail.outbox.clear()

    with after_commit():
        reply = message_reply(case=case, author=agent, body="Which truck did you book?")

    assert reply.channel == "portal"
    assert mail.outbox == []
    assert not OutgoingMail.objects.filter(kind="reply").exists()
