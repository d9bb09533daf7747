"""The webhook events of intents, offers and deals: registered at start-up, each emitted by the
service that makes the change, in its transaction. Payloads carry ids and the fields staff see
through the API, never the customer's addresses."""

from __future__ import annotations

from typing import Any

from sayso.deals.models import Deal, Intent, Offer

EVENT_TYPES = [
    ("intent.published", "A customer published an intent visible to the organization."),
    ("intent.closed", "An intent closed: at its deadline, withdrawn, or an offer accepted."),
    ("offer.sent", "An offer was sent to a customer (blocked ones have offer.blocked)."),
    ("offer.blocked", "The outreach guard blocked an offer, with the reason."),
    ("offer.accepted", "The customer accepted the organization's offer (a deal is opened)."),
    ("offer.declined", "The customer declined the organization's offer."),
    ("deal.opened", "A deal was opened (from an accepted offer or by staff)."),
    ("deal.stage_changed", "A deal moved to another stage of the selling process."),
    ("deal.paused", "A deal was paused."),
    ("deal.resumed", "A paused deal was resumed."),
    ("deal.withdrawn", "A deal was withdrawn."),
]


def register() -> None:
    from sayso.webhooks.events import event_type_known, event_type_register

    for name, description in EVENT_TYPES:
        if not event_type_known(name):
            event_type_register(name, description)


def intent_data(intent: Intent) -> dict[str, Any]:
    return {
        "id": intent.pk,
        "organization": intent.organization.slug,
        "title": intent.title,
        "category": intent.category_key,
        "budget": str(intent.budget) if intent.budget is not None else None,
        "currency": intent.currency,
        "deadline": intent.deadline.isoformat(),
        "status": intent.status,
    }


def offer_data(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "intent_id": offer.intent_id,
        "author_id": offer.author_id,
        "price": str(offer.price),
        "currency": offer.currency,
        "valid_until": offer.valid_until.isoformat(),
        "status": offer.status,
        "blocked_reason": offer.blocked_reason,
    }


def deal_data(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "customer_id": deal.customer_id,
        "title": deal.title,
        "stage": deal.stage.name if deal.stage else None,
        "stage_id": deal.stage_id,
        "owner_id": deal.owner_id,
        "value": str(deal.value) if deal.value is not None else None,
        "currency": deal.currency,
        "status": deal.status,
        "next_step": deal.next_step,
    }


def emit(organization: Any, event_type: str, data: dict[str, Any]) -> None:
    from sayso.webhooks.events import emit as webhook_emit

    webhook_emit(organization=organization, event_type=event_type, data=data)
