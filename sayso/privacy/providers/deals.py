"""Intents the customer published, the offers that answered them, and their deals."""

from __future__ import annotations

from typing import Any

from sayso.customers.models import Customer
from sayso.deals.models import Deal, Intent, Offer
from sayso.privacy.providers._fields import amount, when
from sayso.privacy.registry import ErasureContext, provider_register


def collect_intents(customer: Customer) -> list[dict[str, Any]]:
    intents = Intent.objects.filter(organization_id=customer.organization_id, customer=customer)
    offers: dict[int, list[dict[str, Any]]] = {}
    for offer in Offer.objects.filter(intent__in=intents).exclude(status="blocked"):
        offers.setdefault(offer.intent_id, []).append(
            {
                "price": amount(offer.price),
                "currency": offer.currency,
                "terms": offer.terms,
                "valid_until": when(offer.valid_until),
                "status": offer.status,
                "decided_at": when(offer.decided_at),
            }
        )
    return [
        {
            "title": intent.title,
            "description": intent.description,
            "category": intent.category_text,
            "details": intent.details,
            "window_start": when(intent.window_start),
            "window_end": when(intent.window_end),
            "budget": amount(intent.budget),
            "currency": intent.currency,
            "reply_channel": intent.reply_channel,
            "deadline": when(intent.deadline),
            "visibility": intent.visibility,
            "status": intent.status,
            "published_at": when(intent.created_at),
            "offers": offers.get(intent.pk, []),
        }
        for intent in intents.order_by("created_at", "id")
    ]


def collect_deals(customer: Customer) -> list[dict[str, Any]]:
    deals = Deal.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).select_related("stage")
    return [
        {
            "title": deal.title,
            "stage": deal.stage.name if deal.stage else "",
            "status": deal.status,
            "value": amount(deal.value),
            "currency": deal.currency,
            "expected_on": when(deal.expected_on),
            "next_step": deal.next_step,
            "opened_at": when(deal.created_at),
        }
        for deal in deals.order_by("created_at", "id")
    ]


def erase_deals(context: ErasureContext) -> dict[str, int]:
    ids = context.customer_ids
    marker = context.marker
    intents = Intent.objects.filter(customer_id__in=ids).update(
        title=marker, description="", details="", submission_id=""
    )
    offers = Offer.objects.filter(intent__customer_id__in=ids).exclude(terms="").update(terms="")
    deals = Deal.objects.filter(customer_id__in=ids).update(
        title=marker, next_step="", status_reason=""
    )
    return {"intents": intents, "offers": offers, "deals": deals}


provider_register(
    "intents", collect=collect_intents, erase=erase_deals, title="What you asked to buy"
)
provider_register("deals", collect=collect_deals, title="Your deals")
