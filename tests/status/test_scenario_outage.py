"""Scenario 2 of PRODUCT.md, "the outage": staff open an incident on the status page;
subscribers get email (through a real SMTP server on 127.0.0.1) and feed updates; the 40
customers who wrote in about it have their cases linked to the incident — found by meaning
among the open cases — and see it on their case, and each is told when it is resolved; the
post-mortem is published."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import following
from sayso.conversations.models import Direction, Message
from sayso.status import services
from sayso.status.models import Incident, IncidentCase
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client
from tests.conversations.test_email_smtp import Mta, mta, smtp_backend  # noqa: F401

pytestmark = pytest.mark.django_db

# How 40 customers put the same outage in their own words.
OPENINGS = [
    "I can't pay for my booking, the card payment fails",
    "Payment declined when I try to reserve a truck",
    "Your checkout rejects my credit card",
    "Card payment error on the booking page",
    "Why does my payment keep failing at checkout?",
    "The website won't take my card for the reservation",
    "Booking payment not going through",
    "My Visa is refused when I book online",
    "Error at the payment step of the reservation",
    "Checkout says payment failed, please help",
]
SITUATIONS = ["", " (tried twice)", " since this morning", " — urgent, moving on Saturday"]
UNRELATED = [
    "Can I add a second driver to my contract?",
    "Do you rent furniture pads?",
    "What time does the Denver depot open on Sunday?",
]


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_the_outage_is_announced_linked_to_every_affected_case_and_closed_with_a_postmortem(
    org: Any,
    agent: Any,
    smtp_backend: Mta,  # noqa: F811 (the fixture imported above)
    run_on_commit: Any,
) -> None:
    subscriber = factories.make_customer(org, "Sue", "sue@example.com")
    following.follow_add(customer=subscriber, subject=services.STATUS)
    affected = []
    with run_on_commit(execute=True):
        payments = services.component_create(organization=org, name="Payments")
        for n in range(40):
            person = factories.make_customer(org, f"Customer {n}", f"c{n}@example.com")
            text = OPENINGS[n % len(OPENINGS)] + SITUATIONS[n // len(OPENINGS)]
            affected.append(factories.make_case(org, person, subject=text, body=text))
        others = [factories.make_case(org, subject=text, body=text) for text in UNRELATED]
    staff = _staff_client(agent)

    # Staff open the incident on the status page: subscribers are emailed.
    with run_on_commit(execute=True):
        staff.post(
            _url("incident-open", org),
            {
                "title": "Card payments fail at checkout",
                "body": "Online bookings fail at the payment step. We are investigating.",
                "impact": "major",
                "status": "investigating",
                "components": [str(payments.pk)],
            },
        )
    incident = Incident.objects.get()
    opened = [m for m in smtp_backend.received if "sue@example.com" in m.rcpt_tos]
    assert len(opened) == 1
    assert "Investigating: Card payments fail at checkout" in str(opened[0].parsed()["Subject"])
    status_page = Client().get(_url("status", org)).text
    assert "Partial outage" in status_page and "Card payments fail at checkout" in status_page

    # The incident page suggests the cases that read like it; staff link them in one go.
    page = staff.get(_url("incident", org, pk=incident.pk)).text
    suggested = {int(n) for n in re.findall(r'name="case" value="(\d+)"', page)}
    assert {case.number for case in affected} <= suggested
    assert not suggested & {case.number for case in others}
    staff.post(
        _url("incident-cases", org, pk=incident.pk), {"case": [str(n) for n in sorted(suggested)]}
    )
    assert IncidentCase.objects.filter(incident=incident).count() == 40

    # A customer sees the incident on their own case.
    first = affected[0]
    portal = _customer_client(org, first.customer).get(
        reverse("portal-case", kwargs={"org": org.slug, "number": first.number})
    )
    assert "This is part of a known problem" in portal.text

    # An update, then the resolution: subscribers hear of both; each case is told once.
    smtp_backend.received.clear()
    with run_on_commit(execute=True):
        staff.post(
            _url("incident-update", org, pk=incident.pk),
            {"status": "identified", "body": "The payment provider's certificate expired."},
        )
        staff.post(
            _url("incident-update", org, pk=incident.pk),
            {
                "status": "resolved",
                "body": "Payments work again; failed bookings were not charged.",
            },
        )
    to_sue = [
        str(m.parsed()["Subject"]) for m in smtp_backend.received if "sue@example.com" in m.rcpt_tos
    ]
    assert any("Identified: Card payments fail" in s for s in to_sue), to_sue
    assert any("Resolved: Card payments fail" in s for s in to_sue), to_sue
    told = Message.objects.filter(direction=Direction.OUTBOUND, case__in=affected)
    assert told.count() == 40
    recipients = {r for m in smtp_backend.received for r in m.rcpt_tos}
    assert {f"c{n}@example.com" for n in range(40)} <= recipients
    reply = next(m for m in smtp_backend.received if "c7@example.com" in m.rcpt_tos).parsed()
    text = reply.get_body(preferencelist=("plain",)).get_content()
    assert "Card payments fail at checkout" in text
    assert f"http://testserver/o/{org.slug}/status/incidents/{incident.pk}/" in text
    payments.refresh_from_db()
    assert payments.status == "operational"

    # The post-mortem is published: on the page, in the feed, and to the subscribers.
    with run_on_commit(execute=True):
        staff.post(
            _url("incident-postmortem", org, pk=incident.pk),
            {
                "postmortem": "## What happened\n\nA certificate expired.\n\n## What changes\n\nAn alert."
            },
        )
    assert "A certificate expired." in Client().get(_url("incident", org, pk=incident.pk)).text
    feed = Client().get(_url("status-feed", org)).content.decode()
    assert "Post-mortem: Card payments fail at checkout" in feed
    assert any(
        "Post-mortem:" in str(m.parsed()["Subject"])
        for m in smtp_backend.received
        if "sue@example.com" in m.rcpt_tos
    )
