"""Two customers of one organization with overlapping data (same words in their cases, both
voting for one idea, both in the audit log), and a customer of another organization who
shares Dana's address: what Dana's export and erasure must and must not touch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sayso.community.ideas import comment_post, idea_post, idea_vote
from sayso.consent.models import Choice, Method
from sayso.consent.services import consent_record
from sayso.conversations.models import AutomatedMail
from sayso.conversations.services import message_note, message_reply
from sayso.core.models import Role
from sayso.core.services import audit_record
from sayso.customers.models import Customer
from sayso.deals.intents import intent_publish
from sayso.intelligence.models import MessageAnalysis
from tests.factories import (
    inbound,
    make_case,
    make_commitment,
    make_customer,
    make_member,
    make_org,
)

DANA_EMAIL = "dana.whitfield@example.net"
DANA_HANDLE = "@danawhit@mastodon.example"
BOB_EMAIL = "bob.ostrander@example.org"
NOTE = "Internal: Dana's account flagged for the refund review"


@dataclass
class Seeded:
    org: Any
    other_org: Any
    manager: Any
    dana: Customer
    bob: Customer
    twin: Customer  # another organization's customer with Dana's address
    dana_case: Any
    bob_case: Any
    idea: Any

    def dana_terms(self) -> list[str]:
        return [DANA_EMAIL, DANA_HANDLE, "Dana Whitfield", self.dana.public_name]


def seed() -> Seeded:
    org = make_org("Haulright", "haulright")
    other = make_org("Other Co", "otherco")
    manager = make_member(org, Role.MANAGER, username="maya").user
    dana = make_customer(org, "Dana Whitfield", DANA_EMAIL, mastodon=DANA_HANDLE)
    bob = make_customer(org, "Bob Ostrander", BOB_EMAIL)
    twin = make_customer(other, "Dana Whitfield", DANA_EMAIL)
    dana_case = make_case(
        org,
        dana,
        subject="Truck rental refund for Dana Whitfield",
        body=f"Hi, this is Dana Whitfield ({DANA_EMAIL}). The truck broke down near Austin.",
    )
    later = inbound(
        org,
        dana_case,
        "Any news on my refund? Reach me at dana.whitfield@example.net",
        external_id=f"<refund-2.{DANA_EMAIL}>",
    )
    message_reply(
        case=dana_case,
        author=manager,
        body=(
            "Hello Dana Whitfield, the refund is on its way.\n\n"
            "On Monday, Dana Whitfield wrote:\n> Any news on my refund?"
        ),
    )
    message_note(case=dana_case, author=manager, body=NOTE)
    make_commitment(dana_case, manager, description="Refund Dana Whitfield by Friday")
    bob_case = make_case(
        org, bob, subject="Truck rental refund", body="Hi, Bob here: my truck broke down too."
    )
    # The analysis as the model would write it (in a transactional test the real one ran
    # already; this one's labels and reason are the test's).
    MessageAnalysis.objects.update_or_create(
        message=later,
        defaults={
            "organization": org,
            "sentiment": "negative",
            "sentiment_score": -0.6,
            "intents": ["complaint"],
            "spam": 0.02,
            "reasons": ["'Any news on my refund' reads as a complaint"],
            "model_version": "test",
            "analyzed_at": timezone.now(),
        },
    )
    for customer in (dana, bob):
        consent_record(
            customer=customer,
            channel="email",
            purpose="product_news",
            choice=Choice.GRANTED,
            method=Method.PORTAL,
            location="/o/haulright/my/consent/",
        )
    idea, _ = idea_post(
        organization=org, title="One-way trailer rentals", body="Please!", author=bob
    )
    idea_vote(idea=idea, customer=dana)
    comment_post(body="I'd use this every month — Dana", idea=idea, author=dana)
    intent_publish(
        organization=org,
        customer=dana,
        title="16 ft truck Denver to Austin",
        description="Pick-up mid March; call Dana Whitfield",
        deadline=timezone.now() + timedelta(days=20),
    )
    audit_record(
        organization=org,
        actor=manager,
        action="customer.note",
        data={"about": f"Dana Whitfield <{DANA_EMAIL}>", "bob": BOB_EMAIL},
    )
    AutomatedMail.objects.create(
        organization=org,
        kind="auto_reply",
        reason="Out of office",
        sender=DANA_EMAIL,
        subject="Out of office: Dana Whitfield",
        external_id="<ooo-1@example.net>",
        received_at=timezone.now(),
        case=dana_case,
    )
    dana.notes = f"Prefers email; {DANA_EMAIL}"
    dana.save(update_fields=["notes"])
    return Seeded(org, other, manager, dana, bob, twin, dana_case, bob_case, idea)


@pytest.fixture
def seeded(db: Any) -> Seeded:
    return seed()


def portal_client(org: Any, customer: Any, **session_data: Any) -> Client:
    """A browser signed in to the organization's portal as the customer (``session_data``: more
    keys in the same session)."""
    client = Client()
    session = client.session
    session[f"portal-customer:{org.pk}"] = customer.pk
    session.update(session_data)
    session.save()
    return client


def staff_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
