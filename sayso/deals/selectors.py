"""Reads for intents, offers, the selling process and deals, shared by views, API and tasks.
Every one takes the organization (or the customer, who belongs to one)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sayso.core.models import Organization
from sayso.customers.models import Customer
from sayso.deals.models import (
    Deal,
    DealStatus,
    Intent,
    IntentStatus,
    IntentVisibility,
    Offer,
    OfferStatus,
    SellingPromise,
    SellingStage,
    ServedCategory,
)

# What a customer is shown of the offers made to them: never one the guard blocked.
SHOWN_TO_CUSTOMER = (OfferStatus.SENT, OfferStatus.ACCEPTED, OfferStatus.DECLINED)


def categories_of(*, organization: Organization) -> QuerySet[ServedCategory]:
    return ServedCategory.objects.filter(organization=organization)


def category_get(*, organization: Organization, pk: int) -> ServedCategory | None:
    return ServedCategory.objects.filter(organization=organization, pk=pk).first()


def _visible_to(organization: Organization) -> Q:
    keys = ServedCategory.objects.filter(organization=organization).values("key")
    return Q(organization=organization) | Q(
        visibility=IntentVisibility.CATEGORY, category_key__in=keys
    )


def intents_for_staff(
    *,
    organization: Organization,
    status: str = IntentStatus.OPEN,
    category_key: str = "",
    budget_min: Decimal | None = None,
    budget_max: Decimal | None = None,
    deadline_within_days: int | None = None,
    answered: bool | None = None,
) -> QuerySet[Intent]:
    """The intents visible to the organization (its own customers', and those published to
    every organization serving a category it serves), soonest deadline first. ``answered``:
    whether this organization has made an offer the customer received."""
    ours = Offer.objects.filter(
        intent=OuterRef("pk"), organization=organization, status__in=SHOWN_TO_CUSTOMER
    )
    intents = (
        Intent.objects.filter(_visible_to(organization))
        .select_related("organization", "customer", "category")
        .annotate(answered=Exists(ours))
        .order_by("deadline", "id")
    )
    if status:
        intents = intents.filter(status=status)
    if status == IntentStatus.OPEN:
        intents = intents.filter(deadline__gt=timezone.now())
    if category_key:
        intents = intents.filter(category_key=category_key)
    if budget_min is not None:
        intents = intents.filter(budget__gte=budget_min)
    if budget_max is not None:
        intents = intents.filter(budget__lte=budget_max)
    if deadline_within_days is not None:
        intents = intents.filter(
            deadline__lte=timezone.now() + timedelta(days=deadline_within_days)
        )
    if answered is not None:
        intents = intents.filter(answered=answered)
    return intents


def intent_for_staff(*, organization: Organization, pk: int) -> Intent | None:
    return (
        Intent.objects.filter(_visible_to(organization), pk=pk)
        .select_related("organization", "customer", "category")
        .first()
    )


def intents_of_customer(*, customer: Customer) -> QuerySet[Intent]:
    shown = Q(offers__status__in=SHOWN_TO_CUSTOMER)
    return (
        Intent.objects.filter(customer=customer)
        .select_related("category")
        .annotate(offer_count=Count("offers", filter=shown))
        .order_by("-created_at", "-id")
    )


def intent_for_customer(*, customer: Customer, pk: int) -> Intent | None:
    return Intent.objects.filter(customer=customer, pk=pk).select_related("category").first()


def offers_for_customer(*, intent: Intent) -> QuerySet[Offer]:
    """The offers the customer received, cheapest first (side by side)."""
    return (
        Offer.objects.filter(intent=intent, status__in=SHOWN_TO_CUSTOMER)
        .select_related("organization", "author")
        .order_by("price", "created_at", "id")
    )


def offers_of_organization(
    *, organization: Organization, intent: Intent | None = None
) -> QuerySet[Offer]:
    """The organization's own offers (blocked ones too, with the reason); never another
    organization's."""
    offers = Offer.objects.filter(organization=organization).select_related("intent", "author")
    if intent is not None:
        offers = offers.filter(intent=intent)
    return offers.order_by("-created_at", "-id")


def offer_for_staff(*, organization: Organization, pk: int) -> Offer | None:
    return offers_of_organization(organization=organization).filter(pk=pk).first()


def offer_for_customer(*, customer: Customer, pk: int) -> Offer | None:
    return (
        Offer.objects.filter(intent__customer=customer, pk=pk, status__in=SHOWN_TO_CUSTOMER)
        .select_related("intent", "organization")
        .first()
    )


def stages_of(*, organization: Organization) -> QuerySet[SellingStage]:
    return SellingStage.objects.filter(organization=organization)


def stage_get(*, organization: Organization, pk: int) -> SellingStage | None:
    return SellingStage.objects.filter(organization=organization, pk=pk).first()


def promises_of(*, organization: Organization) -> QuerySet[SellingPromise]:
    return SellingPromise.objects.filter(organization=organization)


def promise_get(*, organization: Organization, pk: int) -> SellingPromise | None:
    return SellingPromise.objects.filter(organization=organization, pk=pk).first()


def deals_for_staff(
    *,
    organization: Organization,
    status: str = "",
    stage_id: int | None = None,
    owner_id: int | None = None,
    customer_id: int | None = None,
) -> QuerySet[Deal]:
    deals = (
        Deal.objects.filter(organization=organization)
        .select_related("customer", "stage", "owner")
        .order_by("-updated_at", "-id")
    )
    if status:
        deals = deals.filter(status=status)
    if stage_id is not None:
        deals = deals.filter(stage_id=stage_id)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    if customer_id is not None:
        deals = deals.filter(customer_id=customer_id)
    return deals


def deal_get(*, organization: Organization, pk: int) -> Deal | None:
    return deals_for_staff(organization=organization).filter(pk=pk).first()


def deals_of_customer(*, customer: Customer) -> QuerySet[Deal]:
    return (
        Deal.objects.filter(customer=customer)
        .select_related("stage", "owner")
        .order_by("-updated_at", "-id")
    )


def deal_for_customer(*, customer: Customer, pk: int) -> Deal | None:
    return deals_of_customer(customer=customer).filter(pk=pk).first()


def deal_statuses() -> list[str]:
    return list(DealStatus.values)
