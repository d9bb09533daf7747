"""The intent's and the deal's own consent.

- ``intent_answer``: while an intent is open and before its deadline, the organizations it is
  visible to may answer it; after, nobody.
- ``deal_update``: while a deal is active (the customer accepted the offer it came from, or
  staff opened it with them), the organization may write to the customer about it — replies in
  the deal's case and in the case the offer started included; once the customer pauses or
  withdraws it, nobody may (until they resume a paused one).

Registered with the guard in ``DealsConfig.ready``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sayso.core.models import Organization
from sayso.customers.models import Customer, IdentityKind
from sayso.customers.services import active_customer
from sayso.deals.models import Deal, DealStatus, Intent


def _same_person(intent: Intent, customer: Customer) -> bool:
    """The customer the guard is asked about is the intent's, or (for an intent another
    organization's staff answer) that organization's record of the same email address."""
    if customer.pk == intent.customer_id:
        return True
    theirs = set(
        intent.customer.identities.filter(kind=IdentityKind.EMAIL).values_list("value", flat=True)
    )
    return customer.identities.filter(kind=IdentityKind.EMAIL, value__in=theirs).exists()


def intent_answer_grant(
    *,
    organization: Organization,
    customer: Customer,
    channel: str,
    reference: tuple[str, Any] | None,
    at: datetime,
    **_: Any,
) -> Any:
    from sayso.consent.guard import Grant
    from sayso.deals.intents import intent_refusal, intent_visible_to

    intent_id = _intent_of(organization, reference)
    if intent_id is None:
        return Grant(False, "An answer to an intent must name the intent.")
    intent = Intent.objects.select_related("customer").filter(pk=intent_id).first()
    if intent is None or not intent_visible_to(intent, organization):
        return Grant(False, "No such intent is visible to this organization.")
    if not _same_person(intent, customer):
        return Grant(False, "That intent is another customer's.")
    if channel != intent.reply_channel:
        return Grant(
            False,
            f"The customer asked to be answered by {intent.get_reply_channel_display().lower()}.",
        )
    refusal = intent_refusal(intent, now=at)
    if refusal is not None:
        return Grant(False, refusal[0].upper() + refusal[1:] + ".")
    return Grant(True)


def _reference_id(reference: tuple[str, Any] | None, kind: str) -> int | None:
    if not reference or reference[0] != kind or not str(reference[1]).isdigit():
        return None
    return int(reference[1])


def _offer_attempts(organization: Organization, case_id: int) -> Any:
    """The guard's attempts that carried an offer (key ``offer:<id>``, ``services.offer_make``)
    and started or continued the case."""
    from sayso.consent.models import OutreachAttempt

    return OutreachAttempt.objects.filter(
        organization=organization, case_id=case_id, idempotency_key__startswith="offer:"
    )


def _intent_of(organization: Organization, reference: tuple[str, Any] | None) -> int | None:
    """The intent an answer is about: named, or the one whose offer started the case named."""
    intent_id = _reference_id(reference, "intent")
    case_id = _reference_id(reference, "case")
    if intent_id is None and case_id is not None:
        found = (
            _offer_attempts(organization, case_id)
            .filter(reference_kind="intent")
            .values_list("reference_id", flat=True)
            .first()
        )
        intent_id = int(found) if found and found.isdigit() else None
    return intent_id


def deal_of_case(case: Any) -> Deal | None:
    """The deal a case is about: the deal's own case (opened with its first promise), or the
    case the accepted offer it came from started."""
    deal = Deal.objects.filter(organization_id=case.organization_id, case_id=case.pk).first()
    if deal is not None:
        return deal
    keys = _offer_attempts(case.organization, case.pk).values_list("idempotency_key", flat=True)
    offer_ids = [int(k.split(":", 1)[1]) for k in keys if k.split(":", 1)[1].isdigit()]
    if not offer_ids:
        return None
    return Deal.objects.filter(organization_id=case.organization_id, offer_id__in=offer_ids).first()


def _deal_of(organization: Organization, reference: tuple[str, Any] | None) -> Deal | None:
    deal_id = _reference_id(reference, "deal")
    if deal_id is not None:
        return Deal.objects.filter(organization=organization, pk=deal_id).first()
    case_id = _reference_id(reference, "case")
    if case_id is None:
        return None
    from sayso.conversations.models import Case

    case = Case.objects.filter(organization=organization, pk=case_id).first()
    return deal_of_case(case) if case is not None else None


def deal_update_grant(
    *,
    organization: Organization,
    customer: Customer,
    reference: tuple[str, Any] | None,
    **_: Any,
) -> Any:
    """Granted while the deal named (or the deal of the case named) is active and is this
    customer's; a paused or withdrawn deal refuses, with the customer's own words for it."""
    from sayso.consent.guard import Grant

    deal = _deal_of(organization, reference)
    if deal is None:
        return Grant(False, "A message about a deal must name one of this organization's deals.")
    if active_customer(deal.customer).pk != customer.pk:
        return Grant(False, "That deal is another customer's.")
    if deal.status == DealStatus.PAUSED:
        return Grant(
            False,
            f"The customer paused the deal “{deal.title}”; nobody may contact them about it "
            "until they resume it.",
        )
    if deal.status == DealStatus.WITHDRAWN:
        return Grant(
            False,
            f"The customer withdrew the deal “{deal.title}”; nobody may contact them about it.",
        )
    return Grant(True)


def register() -> None:
    from sayso.consent.guard import grant_register

    grant_register("intent_answer", intent_answer_grant)
    grant_register(
        "deal_update", deal_update_grant, governs_case=lambda c: deal_of_case(c) is not None
    )
