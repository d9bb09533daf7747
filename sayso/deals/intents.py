"""Writes for intents and the offers made to them, and the categories organizations serve:
one transaction each.

An intent is the customer's: they publish, edit and withdraw it, and accept or decline the
offers made to it. Offers go to the customer through the outreach guard with the purpose
``intent_answer``, which the intent itself consents to while it is open (``grants``). An
accepted offer opens a deal in the offering organization (``services``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.customers.models import Customer, IdentityKind, TimelineKind
from sayso.customers.services import customer_get_or_create_by_identity, timeline_record
from sayso.deals import events
from sayso.deals.checks import (
    IntentClosed,
    UnknownChoice,
    category_key,
    clean_amount,
    clean_currency,
    clean_future,
    clean_line,
    clean_text,
    day_text,
    money_text,
    staff_member,
)
from sayso.deals.models import (
    Deal,
    Intent,
    IntentStatus,
    IntentVisibility,
    Offer,
    OfferStatus,
    ReplyChannel,
    SellingStage,
    ServedCategory,
)
from sayso.deals.services import deal_opened
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send

INTENT_ANSWER = "intent_answer"


# --- categories ----------------------------------------------------------------------------------


@transaction.atomic
def category_add(*, organization: Organization, name: str, actor: Any = None) -> ServedCategory:
    """Declare a category the organization serves (idempotent on the folded name)."""
    clean = clean_line(name, field="A category", maximum=120, required=True)
    category, created = ServedCategory.objects.get_or_create(
        organization=organization, key=category_key(clean), defaults={"name": clean}
    )
    if created and actor is not None:
        audit_record(organization=organization, actor=actor, action="category.add", obj=category)
    return category


@transaction.atomic
def category_remove(*, category: ServedCategory, actor: Any = None) -> None:
    """Stop serving a category. Intents keep its name (``category_key``)."""
    if actor is not None:
        audit_record(
            organization=category.organization, actor=actor, action="category.remove", obj=category
        )
    category.delete()


def _category(organization: Organization, category_id: int | None) -> ServedCategory | None:
    if category_id is None:
        return None
    category = ServedCategory.objects.filter(organization=organization, pk=category_id).first()
    if category is None:
        raise UnknownChoice(f"{organization.name} serves no category with id {category_id}.")
    return category


# --- intents -------------------------------------------------------------------------------------


def _intent_fields(
    *,
    organization: Organization,
    title: str,
    description: str,
    category_id: int | None,
    category_text: str,
    details: str,
    window_start: date | None,
    window_end: date | None,
    budget: Any,
    currency: str,
    reply_channel: str,
    deadline: datetime,
    visibility: str,
) -> dict[str, Any]:
    category = _category(organization, category_id)
    if window_start and window_end and window_end < window_start:
        raise ValidationError("The window ends before it starts.")
    if reply_channel not in ReplyChannel.values:
        raise ValidationError(f"Unknown way to reply “{reply_channel}”.")
    if visibility not in IntentVisibility.values:
        raise ValidationError(f"Unknown visibility “{visibility}”.")
    category_text = clean_line(category_text, field="The category", maximum=120)
    if visibility == IntentVisibility.CATEGORY and category is None:
        raise ValidationError(
            "Choose one of the categories to show this to every organization that serves it."
        )
    return {
        "title": clean_line(title, field="A title", maximum=200, required=True),
        "description": clean_text(description, field="The description", maximum=5000),
        "category": category,
        "category_key": category.key if category else category_key(category_text),
        "category_text": category_text,
        "details": clean_line(details, field="Quantity and details", maximum=500),
        "window_start": window_start,
        "window_end": window_end,
        "budget": clean_amount(budget, field="The budget", positive=True),
        "currency": clean_currency(currency),
        "reply_channel": reply_channel,
        "deadline": clean_future(deadline, field="The deadline"),
        "visibility": visibility,
    }


@transaction.atomic
def intent_publish(
    *,
    organization: Organization,
    customer: Customer,
    title: str,
    deadline: datetime,
    description: str = "",
    category_id: int | None = None,
    category_text: str = "",
    details: str = "",
    window_start: date | None = None,
    window_end: date | None = None,
    budget: Any = None,
    currency: str = "USD",
    reply_channel: str = ReplyChannel.EMAIL,
    visibility: str = IntentVisibility.ORGANIZATION,
    submission_id: str = "",
) -> Intent:
    """Publish what the customer wants to buy. Posting the same form twice publishes once."""
    if customer.organization_id != organization.pk or not customer.is_active:
        raise ValidationError("That customer is not this organization's.")
    if submission_id:
        existing = Intent.objects.filter(customer=customer, submission_id=submission_id).first()
        if existing is not None:
            return existing
    fields = _intent_fields(
        organization=organization,
        title=title,
        description=description,
        category_id=category_id,
        category_text=category_text,
        details=details,
        window_start=window_start,
        window_end=window_end,
        budget=budget,
        currency=currency,
        reply_channel=reply_channel,
        deadline=deadline,
        visibility=visibility,
    )
    intent = Intent.objects.create(
        organization=organization, customer=customer, submission_id=submission_id, **fields
    )
    timeline_record(
        customer=customer,
        kind=TimelineKind.INTENT_PUBLISHED,
        summary=f"Intent published: {intent.title} (offers until {day_text(intent.deadline)})",
        customer_visible=True,
        data={"intent": intent.pk},
    )
    data = events.intent_data(intent)
    for receiver in _intent_audience(intent):
        events.emit(receiver, "intent.published", data)
    return intent


def _intent_audience(intent: Intent) -> list[int]:
    """The organizations an intent is visible to (ids): its own, and those serving its
    category when the customer published it to them."""
    audience = [intent.organization_id]
    if intent.visibility == IntentVisibility.CATEGORY and intent.category_key:
        serving = ServedCategory.objects.filter(key=intent.category_key).exclude(
            organization_id=intent.organization_id
        )
        audience += list(serving.values_list("organization_id", flat=True))
    return audience


def _own_open_intent(intent: Intent, customer: Customer) -> Intent:
    intent = Intent.objects.select_for_update(of=("self",)).get(pk=intent.pk)
    if intent.customer_id != customer.pk:
        raise ValidationError("This intent is not yours.")
    return intent


INTENT_FIELDS = (
    "title",
    "description",
    "category_id",
    "category_text",
    "details",
    "window_start",
    "window_end",
    "budget",
    "currency",
    "reply_channel",
    "deadline",
    "visibility",
)


def intent_values(intent: Intent) -> dict[str, Any]:
    """What the customer set on ``intent``, by ``intent_publish``'s argument names (what
    ``intent_update`` takes, and the edit form starts from)."""
    return {name: getattr(intent, name) for name in INTENT_FIELDS}


@transaction.atomic
def intent_update(*, intent: Intent, customer: Customer, **changes: Any) -> Intent:
    """Change an open intent (the customer's own); the fields are ``intent_publish``'s."""
    intent = _own_open_intent(intent, customer)
    if intent.status != IntentStatus.OPEN:
        raise IntentClosed(f"This intent is {intent.get_status_display().lower()}.")
    current = intent_values(intent)
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    fields = _intent_fields(organization=intent.organization, **{**current, **changes})
    for name, value in fields.items():
        setattr(intent, name, value)
    intent.save()
    return intent


def _close(intent: Intent, *, status: str, summary: str, now: datetime) -> bool:
    """Close an open intent (once: a second call, or a race, changes nothing)."""
    closed = Intent.objects.filter(pk=intent.pk, status=IntentStatus.OPEN).update(
        status=status, closed_at=now, updated_at=now
    )
    if not closed:
        return False
    intent.refresh_from_db()
    timeline_record(
        customer=intent.customer,
        kind=TimelineKind.INTENT_CLOSED,
        summary=summary,
        occurred_at=now,
        customer_visible=True,
        data={"intent": intent.pk, "status": status},
    )
    events.emit(intent.organization_id, "intent.closed", events.intent_data(intent))
    return True


@transaction.atomic
def intent_withdraw(*, intent: Intent, customer: Customer) -> Intent:
    """The customer takes the intent back: no more offers, nobody may contact them about it.
    Withdrawing twice is harmless."""
    intent = _own_open_intent(intent, customer)
    if intent.status == IntentStatus.WITHDRAWN:
        return intent
    if intent.status != IntentStatus.OPEN:
        raise IntentClosed(f"This intent is already {intent.get_status_display().lower()}.")
    _close(
        intent,
        status=IntentStatus.WITHDRAWN,
        summary=f"Intent withdrawn: {intent.title}",
        now=timezone.now(),
    )
    return intent


def intents_close_due(*, now: datetime | None = None) -> int:
    """The periodic pass: every open intent whose deadline has come closes itself. Safe to run
    any number of times. Returns how many it closed."""
    now = now or timezone.now()
    closed = 0
    for intent in Intent.objects.filter(status=IntentStatus.OPEN, deadline__lte=now).select_related(
        "customer"
    ):
        with transaction.atomic():
            closed += _close(
                intent,
                status=IntentStatus.CLOSED,
                summary=f"Intent closed at its deadline: {intent.title}; nobody may contact "
                "you about it any more",
                now=now,
            )
    return closed


# --- offers --------------------------------------------------------------------------------------


def intent_refusal(intent: Intent, *, now: datetime | None = None) -> str | None:
    """Why nobody may contact the customer about this intent now, or None while they may."""
    now = now or timezone.now()
    if intent.status == IntentStatus.WITHDRAWN:
        return f"the customer withdrew “{intent.title}”; nobody may contact them about it"
    if intent.status == IntentStatus.CLOSED or intent.deadline <= now:
        return (
            f"the intent closed on {day_text(intent.deadline)}; nobody may contact the customer "
            "about it"
        )
    if intent.status == IntentStatus.ACCEPTED:
        return f"the customer already accepted an offer for “{intent.title}”"
    return None


def intent_visible_to(intent: Intent, organization: Organization) -> bool:
    if intent.organization_id == organization.pk:
        return True
    return (
        intent.visibility == IntentVisibility.CATEGORY
        and bool(intent.category_key)
        and ServedCategory.objects.filter(
            organization=organization, key=intent.category_key
        ).exists()
    )


def _offer_message(offer: Offer, intent: Intent) -> tuple[str, str]:
    link = settings.SAYSO_BASE_URL.rstrip("/") + reverse(
        "portal-intent", kwargs={"org": intent.organization.slug, "pk": intent.pk}
    )
    subject = f"An offer for your request: {intent.title}"
    lines = [
        f"{offer.organization.name} answers your request “{intent.title}”:",
        "",
        f"Price: {money_text(offer.price, offer.currency)}",
        f"Valid until: {day_text(offer.valid_until)}",
    ]
    if offer.terms:
        lines += ["", "Terms:", offer.terms]
    lines += ["", f"Compare the offers and accept or decline at {link}"]
    return subject, "\n".join(lines)


@transaction.atomic
def offer_make(
    *,
    organization: Organization,
    intent: Intent,
    author: Any,
    price: Any,
    currency: str,
    valid_until: datetime,
    terms: str = "",
    submission_id: str = "",
) -> Offer:
    """Answer an intent with an offer, sent to the customer through the outreach guard. The
    guard may block it (the offer is then kept as blocked, with the reason, and the customer
    does not see it): so it does once the intent closed, was withdrawn or accepted, and the
    customer sees that someone tried (the guard records every attempt). Posting the same form
    twice makes one offer."""
    from sayso.consent.guard import outreach_attempt

    staff_member(organization, author)
    if submission_id:
        existing = Offer.objects.filter(
            organization=organization, submission_id=submission_id
        ).first()
        if existing is not None:
            return existing
    intent = (
        Intent.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .get(pk=intent.pk)
    )
    if not intent_visible_to(intent, organization):
        raise ValidationError("That intent is not visible to this organization.")
    if intent.organization_id != organization.pk and intent_refusal(intent) is not None:
        # Another organization has no record of the customer to note a refusal on.
        raise IntentClosed(f"No offer can be made: {intent_refusal(intent)}.")
    amount = clean_amount(price, field="The price", positive=True)
    if amount is None:
        raise ValidationError("An offer needs a price.")
    offer = Offer.objects.create(
        organization=organization,
        intent=intent,
        author=author,
        price=amount,
        currency=clean_currency(currency),
        terms=clean_text(terms, field="The terms", maximum=5000),
        valid_until=clean_future(valid_until, field="The offer's validity"),
        status=OfferStatus.SENT,
        submission_id=submission_id,
    )
    subject, body = _offer_message(offer, intent)
    result = outreach_attempt(
        organization=organization,
        customer=_customer_in(organization, intent.customer),
        channel=intent.reply_channel,
        purpose=INTENT_ANSWER,
        subject=subject,
        body=body,
        actor=author,
        reference=("intent", intent.pk),
        idempotency_key=f"offer:{offer.pk}",
    )
    if not result.allowed:
        offer.status = OfferStatus.BLOCKED
        offer.blocked_reason = result.reason[:500]
        offer.save(update_fields=["status", "blocked_reason", "updated_at"])
        events.emit(organization, "offer.blocked", events.offer_data(offer))
        return offer
    timeline_record(
        customer=intent.customer,
        kind=TimelineKind.OFFER_RECEIVED,
        summary=f"Offer from {organization.name} for “{intent.title}”: "
        f"{money_text(offer.price, offer.currency)}, valid until {day_text(offer.valid_until)}",
        customer_visible=True,
        actor=author if organization.pk == intent.organization_id else None,
        channel=intent.reply_channel,
        data={"intent": intent.pk, "offer": offer.pk, "organization": organization.slug},
    )
    events.emit(organization, "offer.sent", events.offer_data(offer))
    return offer


def _offer_for_customer(offer: Offer, customer: Customer) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("intent", "organization")
        .get(pk=offer.pk)
    )
    if offer.intent.customer_id != customer.pk:
        raise ValidationError("This offer was not made to you.")
    return offer


def _decline(offer: Offer, now: datetime, *, automatic: bool) -> None:
    Offer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.DECLINED, decided_at=now, updated_at=now
    )
    why = " (another offer was accepted)" if automatic else ""
    timeline_record(
        customer=offer.intent.customer,
        kind=TimelineKind.OFFER_DECLINED,
        summary=f"Offer from {offer.organization.name} for “{offer.intent.title}” declined{why}",
        occurred_at=now,
        customer_visible=True,
        data={"intent": offer.intent_id, "offer": offer.pk},
    )
    offer.status = OfferStatus.DECLINED
    events.emit(offer.organization_id, "offer.declined", events.offer_data(offer))


@transaction.atomic
def offer_decline(*, offer: Offer, customer: Customer) -> Offer:
    """The customer says no to one offer (twice is harmless)."""
    offer = _offer_for_customer(offer, customer)
    if offer.status == OfferStatus.DECLINED:
        return offer
    if offer.status != OfferStatus.SENT:
        raise IntentClosed(f"This offer is {offer.get_status_display().lower()}.")
    _decline(offer, timezone.now(), automatic=False)
    offer.refresh_from_db()
    return offer


@transaction.atomic
def offer_accept(*, offer: Offer, customer: Customer) -> Deal:
    """The customer takes an offer: the intent is done, the other offers are declined for them
    (each organization hears no more than that), and the offering organization gets a deal in
    the first stage of its selling process. Accepting the same offer again returns its deal.

    The deal is in the offering organization: when that is another organization than the
    intent's, the customer becomes its customer by their verified email address (accepting is
    choosing to do business with it)."""
    offer = _offer_for_customer(offer, customer)
    if offer.status == OfferStatus.ACCEPTED:
        return Deal.objects.get(offer=offer)
    if offer.status != OfferStatus.SENT:
        raise IntentClosed(f"This offer is {offer.get_status_display().lower()}.")
    if not offer.is_valid:
        raise IntentClosed(f"This offer was valid until {day_text(offer.valid_until)}.")
    intent = Intent.objects.select_for_update(of=("self",)).get(pk=offer.intent_id)
    if intent.status not in {IntentStatus.OPEN, IntentStatus.CLOSED}:
        raise IntentClosed(f"This intent is {intent.get_status_display().lower()}.")
    now = timezone.now()
    Offer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.ACCEPTED, decided_at=now, updated_at=now
    )
    Intent.objects.filter(pk=intent.pk).update(
        status=IntentStatus.ACCEPTED, closed_at=intent.closed_at or now, updated_at=now
    )
    timeline_record(
        customer=customer,
        kind=TimelineKind.OFFER_ACCEPTED,
        summary=f"Offer from {offer.organization.name} for “{intent.title}” accepted: "
        f"{money_text(offer.price, offer.currency)}",
        occurred_at=now,
        customer_visible=True,
        data={"intent": intent.pk, "offer": offer.pk},
    )
    offer.status = OfferStatus.ACCEPTED
    events.emit(offer.organization_id, "offer.accepted", events.offer_data(offer))
    others = Offer.objects.filter(intent=intent, status=OfferStatus.SENT).exclude(pk=offer.pk)
    for other in others.select_related("intent__customer", "organization"):
        _decline(other, now, automatic=True)
    deal_customer = _customer_in(offer.organization, customer)
    first_stage = SellingStage.objects.filter(organization=offer.organization).first()
    deal = Deal.objects.create(
        organization=offer.organization,
        customer=deal_customer,
        title=intent.title,
        stage=first_stage,
        owner=offer.author,
        value=offer.price,
        currency=offer.currency,
        expected_on=intent.window_start,
        next_step="Confirm the details with the customer",
        offer=offer,
    )
    deal_opened(deal, actor=None, how="offer accepted")
    if offer.author is not None:
        alert_send(
            organization=offer.organization,
            recipient=offer.author,
            kind=AlertKind.ASSIGNED,
            text=f"{deal_customer.display_name} accepted your offer for “{intent.title}” "
            f"({money_text(offer.price, offer.currency)}): deal #{deal.pk} is yours",
            dedupe_key=f"offer-accepted:{offer.pk}",
        )
    return deal


def _customer_in(organization: Organization, customer: Customer) -> Customer:
    """The organization's record of the customer: the customer themselves, or (for an intent
    published to every organization serving its category) the record of their email address
    there, made when that organization first answers it. Publishing to them, to be answered
    by email, is the customer's consent to that."""
    if customer.organization_id == organization.pk:
        return customer
    identity = (
        customer.identities.filter(kind=IdentityKind.EMAIL, verified_at__isnull=False).first()
        or customer.identities.filter(kind=IdentityKind.EMAIL).first()
    )
    if identity is None:
        raise ValidationError("An offer from another organization needs your email address.")
    found, _, _ = customer_get_or_create_by_identity(
        organization=organization,
        kind=IdentityKind.EMAIL,
        value=identity.value,
        display_name=customer.public_name,
    )
    return found
