"""A customer with a deal is reachable about it while it is active: staff replies in the case the
accepted offer started and in the deal's own case go through the guard as ``deal_update``,
granted by the deal itself; a paused or withdrawn deal blocks them (resuming allows again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.consent.guard import OutreachBlocked, outreach_attempt
from sayso.consent.models import BlockReason, Outcome, OutreachAttempt
from sayso.conversations import services as conversations
from sayso.deals import intents, services
from sayso.deals.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db


def _offer(org: Any, customer: Any, agent: Any, title: str) -> tuple[Any, Any, Any]:
    """An intent of the customer's answered by ``agent``: (intent, offer, the offer's case)."""
    intent = intents.intent_publish(
        organization=org,
        customer=customer,
        title=title,
        deadline=timezone.now() + timedelta(days=3),
    )
    offer = intents.offer_make(
        organization=org,
        intent=intent,
        author=agent,
        price="850",
        currency="USD",
        valid_until=timezone.now() + timedelta(days=2),
    )
    started = OutreachAttempt.objects.get(idempotency_key=f"offer:{offer.pk}")
    return intent, offer, started.case


def _accepted_deal(org: Any, customer: Any, agent: Any) -> tuple[Deal, Any]:
    _, offer, case = _offer(org, customer, agent, "A 16 ft truck, Denver → Austin")
    return intents.offer_accept(offer=offer, customer=customer), case


def _last_attempt() -> OutreachAttempt:
    return OutreachAttempt.objects.order_by("-id")[0]


def test_after_accepting_an_offer_staff_replies_in_its_case_reach_the_customer(
    org: Any, customer: Any, agent: Any
) -> None:
    deal, case = _accepted_deal(org, customer, agent)
    # The intent is no longer open (accepted): an answer to it would be refused, but a message
    # about the deal that came of it is granted by the deal.
    reply = conversations.message_reply(case=case, author=agent, body="Pick-up is at 9:00.")
    attempt = _last_attempt()
    assert attempt.purpose == "deal_update" and attempt.outcome == Outcome.SENT
    assert attempt.case == case and reply.body == "Pick-up is at 9:00."
    assert deal.status == "active"


def test_a_paused_deal_blocks_replies_until_resumed_and_a_withdrawn_one_for_good(
    org: Any, customer: Any, agent: Any
) -> None:
    deal, case = _accepted_deal(org, customer, agent)
    services.deal_status_set(deal=deal, action="pause", customer=customer, reason="Busy month")
    with pytest.raises(OutreachBlocked, match="paused the deal"):
        conversations.message_reply(case=case, author=agent, body="Still interested?")
    blocked = _last_attempt()
    assert blocked.outcome == Outcome.BLOCKED and blocked.reason_code == BlockReason.NO_CONSENT
    assert blocked.purpose == "deal_update"

    services.deal_status_set(deal=deal, action="resume", customer=customer)
    conversations.message_reply(case=case, author=agent, body="Welcome back: 9:00 still works.")
    assert _last_attempt().outcome == Outcome.SENT

    services.deal_status_set(deal=deal, action="withdraw", customer=customer)
    with pytest.raises(OutreachBlocked, match="withdrew the deal"):
        conversations.message_reply(case=case, author=agent, body="Are you sure?")


def test_the_deals_own_case_and_a_message_naming_the_deal(
    org: Any, customer: Any, agent: Any
) -> None:
    deal = services.deal_create(
        organization=org, customer=customer, title="Fleet lease", actor=agent
    )
    services.deal_promise(
        deal=deal,
        actor=agent,
        description="Hold the trucks until Friday",
        due_at=timezone.now() + timedelta(days=2),
    )
    deal.refresh_from_db()
    # No consent for anything but the deal: the deal's own case is reachable while active.
    conversations.message_reply(case=deal.case, author=agent, body="The trucks are held.")
    assert _last_attempt().purpose == "deal_update"
    named = outreach_attempt(
        organization=org,
        customer=customer,
        channel="email",
        purpose="deal_update",
        subject="Your lease",
        body="The contract is ready.",
        actor=agent,
        reference=("deal", deal.pk),
    )
    assert named.allowed
    services.deal_status_set(deal=deal, action="withdraw", actor=agent, reason="On the phone")
    again = outreach_attempt(
        organization=org,
        customer=customer,
        channel="email",
        purpose="deal_update",
        subject="Your lease",
        body="Reconsider?",
        actor=agent,
        reference=("deal", deal.pk),
    )
    assert not again.allowed and "withdrew the deal" in again.reason


def test_deal_update_needs_the_customers_own_deal(org: Any, customer: Any, agent: Any) -> None:
    other = factories.make_customer(org, "Other Person")
    deal = services.deal_create(organization=org, customer=other, title="Not yours", actor=agent)
    for reference in [("deal", deal.pk), None, ("deal", "nope")]:
        result = outreach_attempt(
            organization=org,
            customer=customer,
            channel="email",
            purpose="deal_update",
            subject="About a deal",
            body="Hello",
            actor=agent,
            reference=reference,
        )
        assert not result.allowed and result.reason_code == BlockReason.NO_CONSENT


def test_before_acceptance_a_reply_in_an_offers_case_answers_the_open_intent(
    org: Any, customer: Any, agent: Any
) -> None:
    intent, _, case = _offer(org, customer, agent, "A van for Saturday")
    conversations.message_reply(case=case, author=agent, body="Insurance is included.")
    assert _last_attempt().purpose == "intent_answer"
    assert _last_attempt().outcome == Outcome.SENT
    intents.intent_withdraw(intent=intent, customer=customer)
    with pytest.raises(OutreachBlocked, match="withdrew"):
        conversations.message_reply(case=case, author=agent, body="Last chance!")
