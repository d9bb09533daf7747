"""Writes for intents, offers, the selling process and deals: one transaction each.

An intent is the customer's: they publish, edit and withdraw it, and accept or decline the
offers made to it. Offers go to the customer through the outreach guard with the purpose
``intent_answer``, which the intent itself consents to while it is open (``grants``). A deal is
the organization's record of a sale in progress, seen by its customer, who may pause or
withdraw it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sayso.conversations.models import Case, Channel, Commitment
from sayso.conversations.services import case_open, commitment_make
from sayso.core.models import Membership, Organization
from sayso.core.services import audit_record
from sayso.customers.models import Customer, IdentityKind, TimelineKind
from sayso.customers.services import customer_get_or_create_by_identity, timeline_record
from sayso.deals import events
from sayso.deals.models import (
    Deal,
    DealStatus,
    Intent,
    IntentStatus,
    IntentVisibility,
    Offer,
    OfferStatus,
    ReplyChannel,
    SellingPromise,
    SellingStage,
    ServedCategory,
)
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send

INTENT_ANSWER = "intent_answer"
MAX_AMOUNT = Decimal("9999999999.99")


class IntentClosed(ValidationError):
    """An offer or change on an intent that no longer takes them (the API's 409)."""


class DeadlineInPast(ValidationError):
    """A deadline or validity that has already passed (the API's 422)."""


class UnknownChoice(ValidationError):
    """A category or stage that is not the organization's (the API's 422)."""


# --- small checks ------------------------------------------------------------------------------


def category_key(name: str) -> str:
    """A category name folded for matching across organizations: "Truck  Rental" and
    "truck rental" are one category."""
    return " ".join((name or "").casefold().split())


def _line(value: str, *, field: str, maximum: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError(f"{field} is required.")
    if len(text) > maximum:
        raise ValidationError(f"{field} is {maximum} characters at most.")
    return text


def _text(value: str, *, field: str, maximum: int) -> str:
    text = (value or "").strip()
    if len(text) > maximum:
        raise ValidationError(f"{field} is {maximum} characters at most.")
    return text


def _currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationError("A currency is a three-letter code such as USD or EUR.")
    return code


def _amount(value: Any, *, field: str, positive: bool) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} is not a number.") from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0) or amount > MAX_AMOUNT:
        raise ValidationError(f"{field} must be a positive amount.")
    return amount.quantize(Decimal("0.01"))


def _aware_future(value: datetime, *, field: str) -> datetime:
    if timezone.is_naive(value):
        raise ValidationError(f"{field} needs a time zone.")
    if value <= timezone.now():
        raise DeadlineInPast(f"{field} must be in the future.")
    return value


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:,.2f} {currency}" if amount is not None else "no amount"


def _day(when: datetime) -> str:
    local = timezone.localtime(when)
    return f"{local:%-d %B %Y}"


def _staff(organization: Organization, user: Any) -> Membership:
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True, user__is_active=True
    ).first()
    if membership is None:
        raise ValidationError(f"{user} is not a staff member of {organization.name}.")
    return membership


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "nobody"


# --- categories ----------------------------------------------------------------------------------


@transaction.atomic
def category_add(*, organization: Organization, name: str, actor: Any = None) -> ServedCategory:
    """Declare a category the organization serves (idempotent on the folded name)."""
    clean = _line(name, field="A category", maximum=120, required=True)
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
    category_text = _line(category_text, field="The category", maximum=120)
    if visibility == IntentVisibility.CATEGORY and category is None:
        raise ValidationError(
            "Choose one of the categories to show this to every organization that serves it."
        )
    return {
        "title": _line(title, field="A title", maximum=200, required=True),
        "description": _text(description, field="The description", maximum=5000),
        "category": category,
        "category_key": category.key if category else category_key(category_text),
        "category_text": category_text,
        "details": _line(details, field="Quantity and details", maximum=500),
        "window_start": window_start,
        "window_end": window_end,
        "budget": _amount(budget, field="The budget", positive=True),
        "currency": _currency(currency),
        "reply_channel": reply_channel,
        "deadline": _aware_future(deadline, field="The deadline"),
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
        summary=f"Intent published: {intent.title} (offers until {_day(intent.deadline)})",
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


@transaction.atomic
def intent_update(*, intent: Intent, customer: Customer, **changes: Any) -> Intent:
    """Change an open intent (the customer's own); the fields are ``intent_publish``'s."""
    intent = _own_open_intent(intent, customer)
    if intent.status != IntentStatus.OPEN:
        raise IntentClosed(f"This intent is {intent.get_status_display().lower()}.")
    current = {
        "title": intent.title,
        "description": intent.description,
        "category_id": intent.category_id,
        "category_text": intent.category_text,
        "details": intent.details,
        "window_start": intent.window_start,
        "window_end": intent.window_end,
        "budget": intent.budget,
        "currency": intent.currency,
        "reply_channel": intent.reply_channel,
        "deadline": intent.deadline,
        "visibility": intent.visibility,
    }
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
            f"the intent closed on {_day(intent.deadline)}; nobody may contact the customer "
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
        f"Price: {_money(offer.price, offer.currency)}",
        f"Valid until: {_day(offer.valid_until)}",
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

    _staff(organization, author)
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
    amount = _amount(price, field="The price", positive=True)
    if amount is None:
        raise ValidationError("An offer needs a price.")
    offer = Offer.objects.create(
        organization=organization,
        intent=intent,
        author=author,
        price=amount,
        currency=_currency(currency),
        terms=_text(terms, field="The terms", maximum=5000),
        valid_until=_aware_future(valid_until, field="The offer's validity"),
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
        f"{_money(offer.price, offer.currency)}, valid until {_day(offer.valid_until)}",
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
        raise IntentClosed(f"This offer was valid until {_day(offer.valid_until)}.")
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
        f"{_money(offer.price, offer.currency)}",
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
    _deal_opened(deal, actor=None, how="offer accepted")
    if offer.author is not None:
        alert_send(
            organization=offer.organization,
            recipient=offer.author,
            kind=AlertKind.ASSIGNED,
            text=f"{deal_customer.display_name} accepted your offer for “{intent.title}” "
            f"({_money(offer.price, offer.currency)}): deal #{deal.pk} is yours",
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


# --- the selling process -------------------------------------------------------------------------


def _stage_fields(
    *, name: str, what_happens: str, usual_duration: str, cost_to_leave: str
) -> dict[str, str]:
    return {
        "name": _line(name, field="A stage's name", maximum=120, required=True),
        "what_happens": _text(what_happens, field="What happens", maximum=2000),
        "usual_duration": _line(usual_duration, field="The usual duration", maximum=120),
        "cost_to_leave": _line(cost_to_leave, field="What it costs to leave", maximum=300),
    }


def _unique_stage_name(organization: Organization, name: str, exclude: int | None = None) -> None:
    same = SellingStage.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError(f"There is already a stage called “{name}”.")


@transaction.atomic
def stage_create(
    *,
    organization: Organization,
    name: str,
    what_happens: str = "",
    usual_duration: str = "",
    cost_to_leave: str = "",
    position: int | None = None,
    actor: Any = None,
) -> SellingStage:
    """Add a stage (at the end unless ``position`` says where, counted from 1)."""
    fields = _stage_fields(
        name=name,
        what_happens=what_happens,
        usual_duration=usual_duration,
        cost_to_leave=cost_to_leave,
    )
    _unique_stage_name(organization, fields["name"])
    last = SellingStage.objects.filter(organization=organization).aggregate(m=Max("position"))
    stage = SellingStage.objects.create(
        organization=organization, position=(last["m"] or 0) + 1, **fields
    )
    if position is not None:
        stage_move(stage=stage, position=position)
    if actor is not None:
        audit_record(organization=organization, actor=actor, action="stage.create", obj=stage)
    stage.refresh_from_db()
    return stage


@transaction.atomic
def stage_update(*, stage: SellingStage, actor: Any = None, **changes: Any) -> SellingStage:
    """Change a stage's name, description, usual duration, cost to leave or ``position``."""
    position = changes.pop("position", None)
    current = {
        "name": stage.name,
        "what_happens": stage.what_happens,
        "usual_duration": stage.usual_duration,
        "cost_to_leave": stage.cost_to_leave,
    }
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    fields = _stage_fields(**{**current, **{k: v for k, v in changes.items() if v is not None}})
    _unique_stage_name(stage.organization, fields["name"], exclude=stage.pk)
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.save()
    if position is not None:
        stage_move(stage=stage, position=position)
    if actor is not None:
        audit_record(organization=stage.organization, actor=actor, action="stage.update", obj=stage)
    stage.refresh_from_db()
    return stage


def stage_move(*, stage: SellingStage, position: int) -> None:
    """Put a stage at ``position`` (1 = first) and number the others around it."""
    stages = [s for s in SellingStage.objects.filter(organization=stage.organization) if s != stage]
    index = max(0, min(int(position) - 1, len(stages)))
    stages.insert(index, stage)
    for number, item in enumerate(stages, start=1):
        if item.position != number:
            SellingStage.objects.filter(pk=item.pk).update(position=number)


@transaction.atomic
def stage_delete(*, stage: SellingStage, actor: Any = None) -> None:
    """Remove a stage no deal is in."""
    if Deal.objects.filter(stage=stage).exists():
        raise ValidationError(f"Deals are in the stage “{stage.name}”: move them first.")
    if actor is not None:
        audit_record(organization=stage.organization, actor=actor, action="stage.delete", obj=stage)
    organization = stage.organization
    stage.delete()
    for number, item in enumerate(SellingStage.objects.filter(organization=organization), 1):
        SellingStage.objects.filter(pk=item.pk).update(position=number)


@transaction.atomic
def promise_add(*, organization: Organization, text: str, actor: Any = None) -> SellingPromise:
    clean = _line(text, field="A promise", maximum=300, required=True)
    last = SellingPromise.objects.filter(organization=organization).aggregate(m=Max("position"))
    promise = SellingPromise.objects.create(
        organization=organization, text=clean, position=(last["m"] or 0) + 1
    )
    if actor is not None:
        audit_record(organization=organization, actor=actor, action="promise.add", obj=promise)
    return promise


@transaction.atomic
def promise_remove(*, promise: SellingPromise, actor: Any = None) -> None:
    if actor is not None:
        audit_record(
            organization=promise.organization, actor=actor, action="promise.remove", obj=promise
        )
    promise.delete()


# --- deals ---------------------------------------------------------------------------------------


def _stage(organization: Organization, stage_id: int | None) -> SellingStage | None:
    if stage_id is None:
        return None
    stage = SellingStage.objects.filter(organization=organization, pk=stage_id).first()
    if stage is None:
        raise UnknownChoice(f"{organization.name} has no selling stage with id {stage_id}.")
    return stage


def _deal_opened(deal: Deal, *, actor: Any, how: str) -> None:
    stage = f" at “{deal.stage.name}”" if deal.stage else ""
    timeline_record(
        customer=deal.customer,
        kind=TimelineKind.DEAL_OPENED,
        summary=f"Deal opened ({how}): {deal.title}{stage}",
        customer_visible=True,
        actor=actor,
        data={"deal": deal.pk},
    )
    events.emit(deal.organization_id, "deal.opened", events.deal_data(deal))


def _deal_fields(
    organization: Organization,
    *,
    title: str,
    owner: Any,
    value: Any,
    currency: str,
    expected_on: date | None,
    next_step: str,
) -> dict[str, Any]:
    if owner is not None:
        _staff(organization, owner)
    return {
        "title": _line(title, field="A title", maximum=200, required=True),
        "owner": owner,
        "value": _amount(value, field="The value", positive=False),
        "currency": _currency(currency),
        "expected_on": expected_on,
        "next_step": _line(next_step, field="The next step", maximum=300),
    }


@transaction.atomic
def deal_create(
    *,
    organization: Organization,
    customer: Customer,
    title: str,
    actor: Any,
    stage_id: int | None = None,
    owner: Any = None,
    value: Any = None,
    currency: str = "USD",
    expected_on: date | None = None,
    next_step: str = "",
) -> Deal:
    """Staff open a deal with one of the organization's customers (in the first stage unless
    ``stage_id`` names another)."""
    _staff(organization, actor)
    if customer.organization_id != organization.pk or not customer.is_active:
        raise ValidationError("That customer is not this organization's.")
    stage = _stage(organization, stage_id)
    if stage is None:
        stage = SellingStage.objects.filter(organization=organization).first()
    fields = _deal_fields(
        organization,
        title=title,
        owner=owner if owner is not None else actor,
        value=value,
        currency=currency,
        expected_on=expected_on,
        next_step=next_step,
    )
    deal = Deal.objects.create(organization=organization, customer=customer, stage=stage, **fields)
    _deal_opened(deal, actor=actor, how="by the team")
    audit_record(organization=organization, actor=actor, action="deal.create", obj=deal)
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, actor: Any, **changes: Any) -> Deal:
    """Change a deal's title, owner, value, currency, expected date or next step; a
    ``stage_id`` moves it (``deal_move``)."""
    _staff(deal.organization, actor)
    stage_id = changes.pop("stage_id", None)
    current = {
        "title": deal.title,
        "owner": deal.owner,
        "value": deal.value,
        "currency": deal.currency,
        "expected_on": deal.expected_on,
        "next_step": deal.next_step,
    }
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    fields = _deal_fields(deal.organization, **{**current, **changes})
    for name, value in fields.items():
        setattr(deal, name, value)
    deal.save()
    if stage_id is not None:
        deal = deal_move(deal=deal, stage_id=stage_id, actor=actor)
    return deal


@transaction.atomic
def deal_move(*, deal: Deal, stage_id: int, actor: Any, next_step: str | None = None) -> Deal:
    """Move an active deal to another stage of the process (a timeline entry the customer
    sees). Moving it to the stage it is in changes nothing."""
    _staff(deal.organization, actor)
    stage = _stage(deal.organization, stage_id)
    assert stage is not None
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "customer")
        .get(pk=deal.pk)
    )
    if deal.status != DealStatus.ACTIVE:
        raise ValidationError(
            f"This deal is {deal.get_status_display().lower()}: it cannot change stage."
        )
    if next_step is not None:
        deal.next_step = _line(next_step, field="The next step", maximum=300)
    if deal.stage_id == stage.pk:
        deal.save()
        return deal
    before = deal.stage.name if deal.stage else "no stage"
    deal.stage = stage
    deal.save()
    timeline_record(
        customer=deal.customer,
        kind=TimelineKind.DEAL_STAGE,
        summary=f"Deal “{deal.title}” moved from {before} to {stage.name}",
        customer_visible=True,
        actor=actor,
        data={"deal": deal.pk, "stage": stage.pk},
    )
    events.emit(deal.organization_id, "deal.stage_changed", events.deal_data(deal))
    return deal


def _deal_status(
    deal: Deal,
    *,
    to: str,
    allowed_from: set[DealStatus],
    kind: str,
    verb: str,
    reason: str,
    actor: Any,
    by_customer: bool,
) -> Deal:
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("customer", "organization", "owner")
        .get(pk=deal.pk)
    )
    if deal.status == to:
        return deal  # already so: retrying is harmless
    if deal.status not in allowed_from:
        raise ValidationError(f"This deal is {deal.get_status_display().lower()}.")
    reason = _line(reason, field="The reason", maximum=500)
    deal.status = to
    deal.status_reason = reason
    deal.save(update_fields=["status", "status_reason", "updated_at"])
    who = "the customer" if by_customer else _name(actor)
    timeline_record(
        customer=deal.customer,
        kind=kind,
        summary=f"Deal “{deal.title}” {verb} by {who}" + (f": {reason}" if reason else ""),
        customer_visible=True,
        actor=None if by_customer else actor,
        data={"deal": deal.pk},
    )
    events.emit(deal.organization_id, f"deal.{verb}", events.deal_data(deal))
    if by_customer and deal.owner is not None:
        alert_send(
            organization=deal.organization,
            recipient=deal.owner,
            kind=AlertKind.CASE_MESSAGE,
            text=f"{deal.customer.display_name} {verb} deal #{deal.pk} “{deal.title}”"
            + (f": {reason}" if reason else ""),
            dedupe_key=f"deal-{to}:{deal.pk}:{deal.updated_at:%Y%m%d%H%M%S%f}",
            case=deal.case,
        )
    return deal


def _deal_actor(deal: Deal, *, customer: Customer | None, actor: Any) -> bool:
    """Whether the customer acts (else a staff member of the deal's organization)."""
    if customer is not None:
        if customer.pk != deal.customer_id:
            raise ValidationError("This deal is not yours.")
        return True
    _staff(deal.organization, actor)
    return False


# What the customer (or staff on the customer's word) may do to a deal: the status it goes
# to, the statuses it may come from, its timeline entry, and the word for it.
DEAL_CHANGES = {
    "pause": (DealStatus.PAUSED, {DealStatus.ACTIVE}, TimelineKind.DEAL_PAUSED, "paused"),
    "resume": (DealStatus.ACTIVE, {DealStatus.PAUSED}, TimelineKind.DEAL_RESUMED, "resumed"),
    "withdraw": (
        DealStatus.WITHDRAWN,
        {DealStatus.ACTIVE, DealStatus.PAUSED},
        TimelineKind.DEAL_WITHDRAWN,
        "withdrawn",
    ),
}


@transaction.atomic
def deal_status_set(
    *,
    deal: Deal,
    action: str,
    customer: Customer | None = None,
    actor: Any = None,
    reason: str = "",
) -> Deal:
    """Pause, resume or withdraw a deal (``action``): the customer's own choice in the portal,
    or staff recording it on the customer's word. When the customer acts, the deal's owner is
    told. Doing it twice is harmless; a withdrawn deal stays withdrawn."""
    if action not in DEAL_CHANGES:
        raise ValidationError(f"Unknown change “{action}”: pause, resume or withdraw.")
    to, allowed_from, kind, verb = DEAL_CHANGES[action]
    by_customer = _deal_actor(deal, customer=customer, actor=actor)
    return _deal_status(
        deal,
        to=to,
        allowed_from=allowed_from,
        kind=kind,
        verb=verb,
        reason=reason,
        actor=actor,
        by_customer=by_customer,
    )


@transaction.atomic
def deal_promise(
    *, deal: Deal, actor: Any, description: str, due_at: datetime, owner: Any = None
) -> Commitment:
    """A promise made in a deal ("we'll hold the truck until Friday") is a commitment, with its
    reminders and breach alerts. Commitments live on cases: the deal's case is opened with its
    first promise."""
    _staff(deal.organization, actor)
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("customer", "organization")
        .get(pk=deal.pk)
    )
    if deal.case_id is None:
        case = case_open(
            organization=deal.organization,
            customer=deal.customer,
            subject=f"Deal: {deal.title}",
            channel=Channel.WEB,
            assignee=deal.owner,
            actor=actor,
        )
        Deal.objects.filter(pk=deal.pk).update(case=case, updated_at=timezone.now())
        deal.case = case
    assert isinstance(deal.case, Case)
    return commitment_make(
        case=deal.case,
        owner=owner if owner is not None else (deal.owner or actor),
        description=description,
        due_at=due_at,
        actor=actor,
    )
