"""Reads for customers, identities, merges and the timeline. Every selector takes the
organization, so a read across organizations cannot happen by accident."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from sayso.core.models import Organization
from sayso.customers.models import Customer, CustomerMerge, Identity, TimelineEvent


def customer_get(*, organization: Organization, pk: int) -> Customer | None:
    return Customer.objects.filter(organization=organization, pk=pk).first()


def portal_link_customer(*, organization: Organization, raw: str) -> Customer | None:
    """The customer a portal sign-in link would sign in (None: a new customer, or a link that
    is unknown, used or expired); reading it does not use the link."""
    from django.utils import timezone

    from sayso.core.models import LoginLink, token_digest
    from sayso.customers.models import IdentityKind

    link = LoginLink.objects.filter(
        organization=organization,
        digest=token_digest(raw or ""),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if link is None:
        return None
    identity = identity_holders(
        organization=organization, kind=IdentityKind.EMAIL, value=link.email
    ).first()
    return identity.customer if identity is not None else None


def identity_holders(*, organization: Organization, kind: str, value: str) -> QuerySet[Identity]:
    """The active customers' identities of this kind and (normalized) value, the oldest
    customer first: the first is the customer the identity belongs to."""
    return (
        Identity.objects.select_related("customer")
        .filter(
            organization=organization,
            kind=kind,
            value=value,
            customer__merged_into__isnull=True,
        )
        .order_by("customer__created_at", "customer_id", "id")
    )


def customer_list(*, organization: Organization, query: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(organization=organization, merged_into__isnull=True)
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(display_name__icontains=query) | Q(identities__value__icontains=query.lower())
        ).distinct()
    return customers.order_by("display_name", "id")


def identities_of(*, customer: Customer) -> list[Identity]:
    """The customer's identities, each kind and value once."""
    seen: set[tuple[str, str]] = set()
    result = []
    for identity in Identity.objects.filter(customer=customer).order_by("kind", "value", "id"):
        key = (identity.kind, identity.value)
        if key not in seen:
            seen.add(key)
            result.append(identity)
    return result


def customer_timeline(
    *,
    organization: Organization,
    customer: Customer,
    for_customer: bool = False,
    limit: int = 200,
    brief: bool = False,
) -> list[TimelineEvent]:
    """The newest ``limit`` entries of one customer's timeline, oldest first.

    ``for_customer`` keeps only entries the customer may see (no internal notes, no hand-offs).
    ``brief``: only what a list beside a case shows (when, channel, kind, summary), without
    the actor and the case of each entry.
    """
    events = TimelineEvent.objects.filter(organization=organization, customer=customer)
    if for_customer:
        events = events.filter(customer_visible=True)
    if brief:
        events = events.only("occurred_at", "channel", "kind", "summary")
    else:
        events = events.select_related("actor", "case")
    newest = list(events.order_by("-occurred_at", "-id")[: max(1, limit)])
    newest.reverse()
    return newest


@dataclass(frozen=True)
class MergeSuggestion:
    kind: str
    value: str
    customers: list[Customer]


def merge_suggestions(
    *,
    organization: Organization,
    customer: Customer | None = None,
    identities: list[Identity] | None = None,
    limit: int = 50,
) -> list[MergeSuggestion]:
    """Active customers who share an identity value: likely the same person. A page that
    read ``customer``'s identities already (``identities_of``) passes them."""
    shared = Identity.objects.filter(organization=organization, customer__merged_into__isnull=True)
    if customer is not None:
        if identities is None:
            identities = list(Identity.objects.filter(customer=customer).only("kind", "value"))
        keys = {(identity.kind, identity.value) for identity in identities}
        if not keys:
            return []
        condition = Q()
        for kind, value in keys:
            condition |= Q(kind=kind, value=value)
        # The IN lists let SQLite look the pairs up in the (organization, kind, value) index;
        # with the OR alone it read every identity of the organization (docs/performance.md).
        kinds = sorted({kind for kind, _ in keys})
        values = sorted({value for _, value in keys})
        shared = shared.filter(kind__in=kinds, value__in=values).filter(condition)
    groups = (
        shared.values("kind", "value")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .order_by("kind", "value")[:limit]
    )
    suggestions = []
    for group in groups:
        customers = list(
            Customer.objects.filter(
                organization=organization,
                merged_into__isnull=True,
                identities__kind=group["kind"],
                identities__value=group["value"],
            )
            .distinct()
            .order_by("created_at", "id")
        )
        suggestions.append(MergeSuggestion(group["kind"], group["value"], customers))
    return suggestions


def merges_of(*, organization: Organization, customer: Customer) -> QuerySet[CustomerMerge]:
    """Merges in effect into this customer (the ones that can be undone), newest first."""
    return (
        CustomerMerge.objects.filter(
            organization=organization, target=customer, undone_at__isnull=True
        )
        .select_related("source", "merged_by")
        .order_by("-created_at", "-id")
    )


def customer_list_with_identities(
    *, organization: Organization, query: str = ""
) -> QuerySet[Customer]:
    """``customer_list`` with every customer's identities fetched in one more query."""
    return customer_list(organization=organization, query=query).prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "value", "id"))
    )


def customer_merge_get(*, organization: Organization, pk: int) -> CustomerMerge | None:
    return (
        CustomerMerge.objects.select_related("source", "target", "merged_by", "undone_by")
        .filter(organization=organization, pk=pk)
        .first()
    )


def identity_holders_of_values(
    *, organization: Organization, kind: str, values: Collection[str]
) -> QuerySet[Identity]:
    """``identity_holders`` for many values of one kind in one query: the active customers'
    identities, the oldest customer first (the first of each value is its holder's)."""
    return (
        Identity.objects.select_related("customer")
        .filter(
            organization=organization,
            kind=kind,
            value__in=list(values),
            customer__merged_into__isnull=True,
        )
        .order_by("customer__created_at", "customer_id", "id")
    )
