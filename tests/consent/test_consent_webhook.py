"""A consent decision is a ``consent.changed`` webhook event for subscribed endpoints, written
with the decision; a decision equal to the current one is none."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sayso.consent import services
from sayso.consent.models import Choice, Method
from sayso.webhooks.events import event_type_known
from sayso.webhooks.models import Event
from sayso.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def test_a_decision_is_a_consent_changed_event(org: Any, customer: Any) -> None:
    assert event_type_known("consent.changed")
    endpoint_create(
        organization=org, url="https://hooks.example.com/sayso", event_types=["consent.changed"]
    )
    for _ in range(2):
        record = services.consent_record(
            customer=customer,
            channel="email",
            purpose="product_news",
            choice=Choice.REFUSED,
            method=Method.PORTAL,
            location="/o/haulright/my/consent/",
        )
    event = Event.objects.get()
    assert event.event_type == "consent.changed"
    data = json.loads(event.payload)["data"]
    assert data == {
        "customer_id": customer.pk,
        "channel": "email",
        "purpose": "product_news",
        "choice": "refused",
        "how": "portal",
        "consent_record_id": record.pk,
        "receipt_id": str(record.receipt_id),
    }
