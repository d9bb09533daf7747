"""Writes for deals: one transaction each.

A deal is the organization's record of a sale in progress, seen by its customer, who may pause
or withdraw it. Intents and offers are ``intents`` (an accepted offer opens a deal here); the
selling process's stages and promises are ``process``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sayso.conversations.commitments import commitment_make
from sayso.conversations.models import Case, Channel, Commitment
from sayso.conversations.services import case_open
from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.customers.models import Customer, TimelineKind
from sayso.customers.services import timeline_record
from sayso.deals import events
from sayso.deals.checks import (
    UnknownChoice,
    clean_amount,
    clean_currency,
    clean_line,
    staff_member,
    user_name,
)
from sayso.deals.models import Deal, DealStatus, SellingStage
from sayso.notifications.models import AlertKind
from sayso.notifications.services import alert_send


def _stage(organization: Organization, stage_id: int | None) -> SellingStage | None:
    if stage_id is None:
        return None
    stage = SellingStage.objects.filter(organization=organization, pk=stage_id).first()
    if stage is None:
        raise UnknownChoice(f"{organization.name} has no selling stage with id {stage_id}.")
    return stage


def deal_opened(deal: Deal, *, actor: Any, how: str) -> None:
    """A new deal on the customer's timeline and to the organization's webhooks."""
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
        staff_member(organization, owner)
    return {
        "title": clean_line(title, field="A title", maximum=200, required=True),
        "owner": owner,
        "value": clean_amount(value, field="The value", positive=False),
        "currency": clean_currency(currency),
        "expected_on": expected_on,
        "next_step": clean_line(next_step, field="The next step", maximum=300),
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
    staff_member(organization, actor)
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
    deal_opened(deal, actor=actor, how="by the team")
    audit_record(organization=organization, actor=actor, action="deal.create", obj=deal)
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, actor: Any, **changes: Any) -> Deal:
    """Change a deal's title, owner, value, currency, expected date or next step; a
    ``stage_id`` moves it (``deal_move``)."""
    staff_member(deal.organization, actor)
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
    staff_member(deal.organization, actor)
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
        deal.next_step = clean_line(next_step, field="The next step", maximum=300)
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
    reason = clean_line(reason, field="The reason", maximum=500)
    deal.status = to
    deal.status_reason = reason
    deal.save(update_fields=["status", "status_reason", "updated_at"])
    who = "the customer" if by_customer else user_name(actor)
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
    staff_member(deal.organization, actor)
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
    staff_member(deal.organization, actor)
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
