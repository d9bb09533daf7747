"""Intents, offers and deals tell the organizations' webhook endpoints what happened, each event
written with the change (rolled back with it), none with the customer's address."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.deals import intents, process, services
from sayso.deals.models import IntentVisibility
from sayso.webhooks.models import Event
from sayso.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _types(org: Any) -> list[str]:
    """The intent, offer and deal events (the offers' emails also open cases and send
    messages, which are events of their own)."""
    names = Event.objects.filter(organization=org).values_list("event_type", flat=True)
    return [name for name in names if name.split(".")[0] in {"intent", "offer", "deal"}]


def test_the_life_of_an_intent_and_its_deal_reaches_the_webhooks(
    org: Any, other_org: Any, customer: Any, agent: Any, manager: Any
) -> None:
    endpoint_create(organization=org, url="https://hooks.example.com/ours")
    endpoint_create(
        organization=other_org, url="https://hooks.example.com/theirs", event_types=["deal.opened"]
    )
    intents.category_add(organization=org, name="Trucks")
    intents.category_add(organization=other_org, name="Trucks")
    process.stage_create(organization=org, name="Reservation")
    pickup = process.stage_create(organization=org, name="Pick-up")
    intent = intents.intent_publish(
        organization=org,
        customer=customer,
        title="A truck",
        category_id=org.served_categories.get().pk,
        visibility=IntentVisibility.CATEGORY,
        deadline=timezone.now() + timedelta(days=2),
    )
    valid = timezone.now() + timedelta(days=3)
    first = intents.offer_make(
        organization=org, intent=intent, author=agent, price="90", currency="USD", valid_until=valid
    )
    intents.offer_make(
        organization=org,
        intent=intent,
        author=manager,
        price="95",
        currency="USD",
        valid_until=valid,
    )
    deal = intents.offer_accept(offer=first, customer=customer)
    services.deal_move(deal=deal, stage_id=pickup.pk, actor=agent)
    services.deal_status_set(deal=deal, action="pause", customer=customer)

    assert _types(org) == [
        "intent.published",
        "offer.sent",
        "offer.sent",
        "offer.accepted",
        "offer.declined",
        "deal.opened",
        "deal.stage_changed",
        "deal.paused",
    ]
    # The other organization serving the category heard of the intent only through its
    # subscription, which is to deals: nothing of this organization's deal.
    assert _types(other_org) == []
    payloads = " ".join(Event.objects.values_list("payload", flat=True))
    assert "ada@example.com" not in payloads
    opened = Event.objects.get(event_type="deal.opened")
    assert json.loads(opened.payload)["data"]["id"] == deal.pk


def test_an_intent_closing_at_its_deadline_is_an_event(org: Any, customer: Any) -> None:
    endpoint_create(organization=org, url="https://hooks.example.com/ours")
    intent = intents.intent_publish(
        organization=org,
        customer=customer,
        title="A truck",
        deadline=timezone.now() + timedelta(hours=1),
    )
    intents.intents_close_due(now=intent.deadline)
    assert _types(org) == ["intent.published", "intent.closed"]
    closed = json.loads(Event.objects.get(event_type="intent.closed").payload)
    assert closed["data"]["status"] == "closed"
