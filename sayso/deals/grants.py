"""The intent's own consent: while an intent is open and before its deadline, the organizations
it is visible to may answer it (the outreach guard's purpose ``intent_answer``); after, nobody.

Registered with the guard in ``DealsConfig.ready``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sayso.core.models import Organization
from sayso.customers.models import Customer, IdentityKind
from sayso.deals.models import Intent


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
    from sayso.deals.services import intent_refusal, intent_visible_to

    if not reference or reference[0] != "intent" or not str(reference[1]).isdigit():
        return Grant(False, "An answer to an intent must name the intent.")
    intent = Intent.objects.select_related("customer").filter(pk=int(reference[1])).first()
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


def register() -> None:
    from sayso.consent.guard import grant_register

    grant_register("intent_answer", intent_answer_grant)
