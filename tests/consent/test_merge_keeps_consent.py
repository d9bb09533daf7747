"""A merge carries a customer's decisions and outreach attempts to the surviving record (the
newest decision of each channel and purpose counts there); unmerging gives them back."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.consent import selectors, services
from sayso.consent.guard import outreach_attempt
from sayso.consent.models import Choice, ConsentRecord, Method, OutreachAttempt
from sayso.customers.services import customer_merge, customer_unmerge
from tests import factories

pytestmark = pytest.mark.django_db


def _choice(customer: Any, choice: str) -> None:
    services.consent_record(
        customer=customer,
        channel="email",
        purpose="sales",
        choice=choice,
        method=Method.PORTAL,
        location="/o/haulright/my/consent/",
    )


def test_merge_and_unmerge_move_consent_and_attempts(org: Any, agent: Any) -> None:
    kept = factories.make_customer(org, "Ada", "ada@example.com")
    other = factories.make_customer(org, "Ada (work)", "ada@work.example")
    _choice(kept, Choice.GRANTED)
    _choice(other, Choice.REFUSED)  # the newer decision
    outreach_attempt(
        organization=org,
        customer=other,
        channel="email",
        purpose="product_news",
        subject="News",
        body="Hello",
        actor=agent,
    )
    services.preferences_set(customer=other, time_zone="Europe/Paris")
    merge = customer_merge(source=other, target=kept, actor=agent)
    current = {
        (c.channel, c.purpose): c.choice
        for c in selectors.consent_current(organization=org, customer=kept)
    }
    assert current[("email", "sales")] == Choice.REFUSED
    assert OutreachAttempt.objects.get().customer == kept
    assert selectors.preferences_of(organization=org, customer=kept) is not None
    customer_unmerge(merge=merge, actor=agent)
    assert set(ConsentRecord.objects.filter(customer=other).values_list("choice", flat=True)) == {
        Choice.REFUSED
    }
    assert OutreachAttempt.objects.get().customer == other
    assert selectors.preferences_of(organization=org, customer=kept) is None
