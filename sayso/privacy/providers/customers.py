"""The customer record itself, its identities (verified and claimed), and their timeline."""

from __future__ import annotations

from typing import Any

from sayso.core.models import LoginLink, RateCounter
from sayso.customers.models import (
    Customer,
    CustomerMerge,
    Identity,
    IdentityClaim,
    IdentityKind,
    TimelineEvent,
)
from sayso.privacy.models import PersonalDataExport
from sayso.privacy.providers._fields import when
from sayso.privacy.registry import ErasureContext, provider_register

FORMER_CUSTOMER = "Former customer"


def collect_profile(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "display_name": customer.display_name,
        "public_name": customer.public_name,
        "public_name_chosen_at": when(customer.public_name_chosen_at),
        "is_prospect": customer.is_prospect,
        "created_at": when(customer.created_at),
    }


def collect_identities(customer: Customer) -> list[dict[str, Any]]:
    rows = Identity.objects.filter(organization_id=customer.organization_id, customer=customer)
    return [
        {
            "kind": identity.kind,
            "value": identity.value,
            "label": identity.label,
            "verified": identity.verified_at is not None
            and identity.kind != IdentityKind.EMAIL_CLAIMED,
            "verified_at": when(identity.verified_at),
            "added_at": when(identity.created_at),
        }
        for identity in rows.order_by("created_at", "id")
    ]


def collect_timeline(customer: Customer) -> list[dict[str, Any]]:
    rows = TimelineEvent.objects.filter(
        organization_id=customer.organization_id, customer=customer, customer_visible=True
    )
    return [
        {"kind": event.kind, "occurred_at": when(event.occurred_at), "summary": event.summary}
        for event in rows.order_by("occurred_at", "id")[:5000]
    ]


def erase_identities(context: ErasureContext) -> dict[str, int]:
    ids = context.customer_ids
    organization_id = context.customers[0].organization_id
    claims, _ = IdentityClaim.objects.filter(contact_id__in=ids).delete()
    claims_confirmed, _ = IdentityClaim.objects.filter(confirmed_as_id__in=ids).delete()
    merges, _ = CustomerMerge.objects.filter(source_id__in=ids).delete()
    merges_in, _ = CustomerMerge.objects.filter(target_id__in=ids).delete()
    links, _ = LoginLink.objects.filter(
        organization_id=organization_id, email__in=context.emails
    ).delete()
    identities, _ = Identity.objects.filter(customer_id__in=ids).delete()
    # Exports built in the background hold a copy of everything.
    exports, _ = PersonalDataExport.objects.filter(customer_id__in=ids).delete()
    # Rate-limit counters are keyed by the address they count (a sign-in link asked for it).
    counters = 0
    for email in context.emails:
        counters += RateCounter.objects.filter(bucket__icontains=email).delete()[0]
    return {
        "identities": identities,
        "identity_claims": claims + claims_confirmed,
        "merges": merges + merges_in,
        "login_links": links,
        "rate_counters": counters,
        "exports": exports,
    }


def erase_profile(context: ErasureContext) -> dict[str, int]:
    for customer in context.customers:
        customer.display_name = FORMER_CUSTOMER
        customer.public_name = FORMER_CUSTOMER
        customer.public_name_chosen_at = None
        customer.notes = ""
        customer.save(
            update_fields=[
                "display_name",
                "public_name",
                "public_name_chosen_at",
                "notes",
                "updated_at",
            ]
        )
    return {"customers_anonymized": len(context.customers)}


provider_register("profile", collect=collect_profile, erase=erase_profile, title="Your names")
provider_register(
    "identities", collect=collect_identities, erase=erase_identities, title="Your addresses"
)
provider_register("timeline", collect=collect_timeline, title="Your timeline")
