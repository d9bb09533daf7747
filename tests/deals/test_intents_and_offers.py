"""Intents and offers through the real outreach guard: publish, who sees an intent, offers from
two staff members, accept, the deadline closing it, and contact after the deadline blocked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.consent.guard import outreach_attempt
from sayso.core.models import Role
from sayso.customers.models import Customer, TimelineKind
from sayso.deals import checks, intents, process, selectors
from sayso.deals.models import (
    Deal,
    Intent,
    IntentStatus,
    IntentVisibility,
    OfferStatus,
)
from sayso.deals.tasks import close_intents
from tests import factories

pytestmark = pytest.mark.django_db


def _publish(org: Any, customer: Customer, **extra: Any) -> Intent:
    arguments: dict[str, Any] = {
        "title": "A 16 ft truck, Denver → Austin",
        "details": "one-way, 1 truck",
        "budget": "900",
        "currency": "usd",
        "deadline": timezone.now() + timedelta(days=3),
    }
    arguments.update(extra)
    return intents.intent_publish(organization=org, customer=customer, **arguments)


def _offer(org: Any, intent: Intent, author: Any, price: str = "850", **extra: Any) -> Any:
    return intents.offer_make(
        organization=org,
        intent=intent,
        author=author,
        price=price,
        currency="USD",
        terms=extra.pop("terms", "Includes 1,000 miles"),
        valid_until=timezone.now() + timedelta(days=5),
        **extra,
    )


def _kinds(customer: Customer) -> list[str]:
    return list(customer.timeline.values_list("kind", flat=True))


def test_publishing_an_intent_puts_it_on_the_customers_timeline(org: Any, customer: Any) -> None:
    intent = _publish(org, customer, submission_id="a" * 32)
    again = _publish(org, customer, submission_id="a" * 32)
    assert again.pk == intent.pk  # the same form posted twice publishes once
    assert intent.currency == "USD" and intent.budget == Decimal("900.00")
    assert intent.status == IntentStatus.OPEN
    assert _kinds(customer).count(TimelineKind.INTENT_PUBLISHED) == 1


def test_a_deadline_in_the_past_is_refused_and_nothing_is_written(org: Any, customer: Any) -> None:
    with pytest.raises(checks.DeadlineInPast, match="deadline must be in the future"):
        _publish(org, customer, deadline=timezone.now() - timedelta(minutes=1))
    assert not Intent.objects.exists()
    assert TimelineKind.INTENT_PUBLISHED not in _kinds(customer)


def test_an_unknown_category_or_a_window_backwards_is_refused(
    org: Any, other_org: Any, customer: Any
) -> None:
    theirs = intents.category_add(organization=other_org, name="Truck rental")
    with pytest.raises(checks.UnknownChoice):
        _publish(org, customer, category_id=theirs.pk)
    with pytest.raises(ValidationError, match="ends before it starts"):
        _publish(
            org,
            customer,
            window_start=timezone.localdate() + timedelta(days=9),
            window_end=timezone.localdate() + timedelta(days=8),
        )
    with pytest.raises(ValidationError, match="Choose one of the categories"):
        _publish(org, customer, visibility=IntentVisibility.CATEGORY)


def test_an_intent_for_one_organization_is_seen_by_it_alone(
    org: Any, other_org: Any, customer: Any, outsider: Any
) -> None:
    intents.category_add(organization=org, name="Truck rental")
    intents.category_add(organization=other_org, name="truck  RENTAL")
    intent = _publish(org, customer, category_id=org.served_categories.get().pk)
    assert list(selectors.intents_for_staff(organization=org)) == [intent]
    assert not selectors.intents_for_staff(organization=other_org).exists()
    assert selectors.intent_for_staff(organization=other_org, pk=intent.pk) is None
    with pytest.raises(ValidationError, match="not visible"):
        _offer(other_org, intent, outsider)


def test_an_intent_for_every_organization_serving_the_category_reaches_those_only(
    org: Any, other_org: Any, customer: Any, agent: Any, outsider: Any
) -> None:
    ours = intents.category_add(organization=org, name="Truck rental")
    intents.category_add(organization=other_org, name="truck  RENTAL")
    third = factories.make_org("Boats Only", "boats")
    intents.category_add(organization=third, name="Boat hire")
    intent = _publish(org, customer, category_id=ours.pk, visibility=IntentVisibility.CATEGORY)
    assert list(selectors.intents_for_staff(organization=other_org)) == [intent]
    assert not selectors.intents_for_staff(organization=third).exists()

    # The other organization answers: the guard lets it through on the intent's grant, to
    # that organization's record of the customer's email address.
    offer = _offer(other_org, intent, outsider, price="780")
    assert offer.status == OfferStatus.SENT, offer.blocked_reason
    theirs = Customer.objects.get(organization=other_org)
    assert theirs.identities.get().value == "ada@example.com"
    assert [o.pk for o in selectors.offers_for_customer(intent=intent)] == [offer.pk]
    # Neither organization sees the other's offers.
    assert not selectors.offers_of_organization(organization=org, intent=intent).exists()

    # Once the intent has closed, the other organization cannot answer it (409 in the API).
    intents.intents_close_due(now=intent.deadline)
    with pytest.raises(checks.IntentClosed, match="closed on"):
        _offer(other_org, intent, outsider)


def test_two_staff_members_answer_and_the_customer_accepts_one(
    org: Any, customer: Any, agent: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    process.stage_create(organization=org, name="Reservation", cost_to_leave="Nothing")
    process.stage_create(organization=org, name="Pick-up")
    intent = _publish(org, customer)
    with django_capture_on_commit_callbacks(execute=True):
        first = _offer(org, intent, agent, price="850")
        second = _offer(org, intent, manager, price="820", terms="Free cancellation")
    assert first.status == second.status == OfferStatus.SENT
    # Both went out by email, through the guard.
    assert sum("An offer for your request" in m.subject for m in mail.outbox) == 2
    assert [o.pk for o in selectors.offers_for_customer(intent=intent)] == [second.pk, first.pk]
    assert selectors.intents_for_staff(organization=org, answered=True).count() == 1

    deal = intents.offer_accept(offer=second, customer=customer)
    assert intents.offer_accept(offer=second, customer=customer).pk == deal.pk  # idempotent
    first.refresh_from_db()
    second.refresh_from_db()
    intent.refresh_from_db()
    assert (first.status, second.status) == (OfferStatus.DECLINED, OfferStatus.ACCEPTED)
    assert intent.status == IntentStatus.ACCEPTED
    assert deal.customer == customer and deal.owner == manager
    assert deal.stage is not None and deal.stage.name == "Reservation"
    assert deal.value == Decimal("820.00")
    kinds = _kinds(customer)
    for kind in (
        TimelineKind.INTENT_PUBLISHED,
        TimelineKind.OFFER_RECEIVED,
        TimelineKind.OFFER_ACCEPTED,
        TimelineKind.OFFER_DECLINED,
        TimelineKind.DEAL_OPENED,
    ):
        assert kind in kinds, kind
    assert kinds.count(TimelineKind.OFFER_RECEIVED) == 2
    assert Deal.objects.count() == 1


def test_another_customer_cannot_accept_or_decline(org: Any, customer: Any, agent: Any) -> None:
    intent = _publish(org, customer)
    offer = _offer(org, intent, agent)
    stranger = factories.make_customer(org, "Eve", "eve@example.com")
    with pytest.raises(ValidationError, match="not made to you"):
        intents.offer_accept(offer=offer, customer=stranger)
    with pytest.raises(ValidationError, match="not made to you"):
        intents.offer_decline(offer=offer, customer=stranger)
    assert selectors.offer_for_customer(customer=stranger, pk=offer.pk) is None


def test_the_deadline_closes_the_intent_and_then_the_guard_blocks_contact(
    org: Any, customer: Any, agent: Any
) -> None:
    intent = _publish(org, customer, deadline=timezone.now() + timedelta(hours=1))
    assert close_intents.call() == 0  # not yet

    later = timezone.now() + timedelta(hours=2)
    assert intents.intents_close_due(now=later) == 1
    assert intents.intents_close_due(now=later) == 0  # twice is harmless
    intent.refresh_from_db()
    assert intent.status == IntentStatus.CLOSED
    assert _kinds(customer).count(TimelineKind.INTENT_CLOSED) == 1

    offer = _offer(org, intent, agent)
    assert offer.status == OfferStatus.BLOCKED
    assert "closed on" in offer.blocked_reason
    result = outreach_attempt(
        organization=org,
        customer=customer,
        channel="email",
        purpose="intent_answer",
        subject="Still want that truck?",
        body="We have one.",
        actor=agent,
        reference=("intent", intent.pk),
    )
    assert not result.allowed
    assert "nobody may contact" in result.reason
    assert TimelineKind.OUTREACH_BLOCKED in _kinds(customer)


def test_the_periodic_task_closes_intents_whose_deadline_came(
    org: Any, customer: Any, agent: Any
) -> None:
    intent = _publish(org, customer, deadline=timezone.now() + timedelta(hours=1))
    Intent.objects.filter(pk=intent.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert close_intents.call() == 1
    intent.refresh_from_db()
    assert intent.status == IntentStatus.CLOSED


def test_a_withdrawn_intent_takes_no_offer(org: Any, customer: Any, agent: Any) -> None:
    intent = _publish(org, customer)
    intents.intent_withdraw(intent=intent, customer=customer)
    intents.intent_withdraw(intent=intent, customer=customer)
    offer = _offer(org, intent, agent)
    assert offer.status == OfferStatus.BLOCKED
    assert "withdrew" in offer.blocked_reason


def test_an_offer_the_guard_blocks_is_kept_with_the_reason_and_hidden_from_the_customer(
    org: Any, customer: Any, agent: Any
) -> None:
    intent = _publish(org, customer, reply_channel="phone")
    # The customer asked to be answered by phone, and has no phone number.
    offer = _offer(org, intent, agent)
    assert offer.status == OfferStatus.BLOCKED
    assert offer.blocked_reason
    assert not selectors.offers_for_customer(intent=intent).exists()
    assert TimelineKind.OFFER_RECEIVED not in _kinds(customer)


def test_the_same_offer_form_posted_twice_makes_one_offer(
    org: Any, customer: Any, agent: Any
) -> None:
    intent = _publish(org, customer)
    first = _offer(org, intent, agent, submission_id="b" * 32)
    second = _offer(org, intent, agent, submission_id="b" * 32)
    assert first.pk == second.pk
    assert intent.offers.count() == 1


def test_an_expired_offer_cannot_be_accepted(org: Any, customer: Any, agent: Any) -> None:
    intent = _publish(org, customer)
    offer = _offer(org, intent, agent)
    type(offer).objects.filter(pk=offer.pk).update(valid_until=timezone.now())
    with pytest.raises(checks.IntentClosed, match="valid until"):
        intents.offer_accept(offer=offer, customer=customer)


def test_staff_of_the_organization_only_may_make_offers(
    org: Any, customer: Any, outsider: Any
) -> None:
    intent = _publish(org, customer)
    with pytest.raises(ValidationError, match="not a staff member"):
        _offer(org, intent, outsider)
    member = factories.make_member(org, Role.AGENT).user
    assert _offer(org, intent, member).status == OfferStatus.SENT
