"""Customers, their identities, merges and merge suggestions."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import customer_or_404, merge_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import (
    CustomerCreateIn,
    CustomerOut,
    CustomerPatchIn,
    Id,
    IdentityIn,
    IdentityOut,
    MergeIn,
    MergeOut,
    MergeSuggestionOut,
    SearchText,
    errors,
)
from sayso.core.models import Scope
from sayso.customers import selectors, services
from sayso.customers.models import Customer, CustomerMerge, Identity
from sayso.customers.selectors import MergeSuggestion

router = Router()
TAGS = ["customers"]
READ = Scope.CUSTOMERS_READ
WRITE = Scope.CUSTOMERS_WRITE


@router.get(
    "",
    response={200: list[CustomerOut], **errors(401, 403, 422)},
    operation_id="customers_list",
    summary="List customers",
    tags=TAGS,
    **scoped(READ, "customer.read"),
)
@paginate(Page, max_limit=200)
def customers_list(request: HttpRequest, q: SearchText = "") -> Any:
    """Active customers (merged ones are left out), by name; `q` matches a name or an
    identity value."""
    return selectors.customer_list_with_identities(organization=organization_of(request), query=q)


@router.get(
    "/merge-suggestions",
    response={200: list[MergeSuggestionOut], **errors(401, 403, 404, 422)},
    operation_id="customers_merge_suggestions",
    summary="List likely duplicate customers",
    tags=TAGS,
    **scoped(READ, "customer.read"),
)
def customers_merge_suggestions(
    request: HttpRequest, customer_id: Id | None = None
) -> list[MergeSuggestion]:
    """Groups of active customers who share an identity value; with `customer_id`, only the
    groups that customer is in."""
    organization = organization_of(request)
    customer = (
        customer_or_404(request, customer_id, field="customer_id")
        if customer_id is not None
        else None
    )
    return selectors.merge_suggestions(organization=organization, customer=customer)


@router.get(
    "/{int:customer_id}",
    response={200: CustomerOut, **errors(401, 403, 404, 422)},
    operation_id="customers_get",
    summary="Get a customer",
    tags=TAGS,
    **scoped(READ, "customer.read"),
)
def customers_get(request: HttpRequest, customer_id: int) -> Customer:
    """One customer with their identities. A merged customer is returned too, with
    `merged_into_id` naming the customer that now holds the record."""
    return customer_or_404(request, customer_id)


@router.post(
    "",
    response={201: CustomerOut, **errors(400, 401, 403, 413, 422)},
    operation_id="customers_create",
    summary="Create a customer",
    tags=TAGS,
    **scoped(WRITE, "customer.write"),
)
def customers_create(request: HttpRequest, payload: CustomerCreateIn) -> Status[Customer]:
    """A customer with identities given as `{kind, value}`; all or nothing. Without a name,
    the first identity's value is the name."""
    customer = services.customer_create(
        organization=organization_of(request),
        display_name=payload.display_name,
        identities=[(identity.kind, identity.value) for identity in payload.identities],
        notes=payload.notes,
        actor=actor_of(request),
    )
    return Status(201, customer)


@router.patch(
    "/{int:customer_id}",
    response={200: CustomerOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="customers_update",
    summary="Change a customer's name, public name or notes",
    tags=TAGS,
    **scoped(WRITE, "customer.write"),
)
def customers_update(request: HttpRequest, customer_id: int, payload: CustomerPatchIn) -> Customer:
    """Fields left out are left as they are."""
    return services.customer_update(
        customer=customer_or_404(request, customer_id),
        display_name=payload.display_name,
        notes=payload.notes,
        public_name=payload.public_name,
    )


@router.post(
    "/{int:customer_id}/identities",
    response={200: IdentityOut, 201: IdentityOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="customers_identities_add",
    summary="Add an identity to a customer",
    tags=TAGS,
    **scoped(WRITE, "customer.write"),
)
def customers_identities_add(
    request: HttpRequest, customer_id: int, payload: IdentityIn
) -> Status[Identity]:
    """An email, phone, handle or web address, normalized. Idempotent: adding one the customer
    already has returns it with 200 instead of 201."""
    customer = customer_or_404(request, customer_id)
    known = {identity.pk for identity in selectors.identities_of(customer=customer)}
    identity = services.identity_add(
        customer=customer,
        kind=payload.kind,
        value=payload.value,
        label=payload.label,
        actor=actor_of(request),
    )
    return Status(200 if identity.pk in known else 201, identity)


@router.post(
    "/{int:customer_id}/merge",
    response={201: MergeOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="customers_merge",
    summary="Merge another customer into this one",
    tags=TAGS,
    **scoped(WRITE, "customer.merge"),
)
def customers_merge(
    request: HttpRequest, customer_id: int, payload: MergeIn
) -> Status[CustomerMerge]:
    """Everything of `source_id` (identities, cases, messages, commitments, timeline) moves
    to the customer in the path. The merge can be undone."""
    target = customer_or_404(request, customer_id)
    source = customer_or_404(request, payload.source_id, field="source_id")
    merge = services.customer_merge(source=source, target=target, actor=actor_of(request))
    return Status(201, merge)


@router.get(
    "/{int:customer_id}/merges",
    response={200: list[MergeOut], **errors(401, 403, 404, 422)},
    operation_id="customers_merges_list",
    summary="List the merges into a customer",
    tags=TAGS,
    **scoped(READ, "customer.read"),
)
def customers_merges_list(request: HttpRequest, customer_id: int) -> Any:
    """The merges in effect into this customer, newest first: the ones that can be undone."""
    customer = customer_or_404(request, customer_id)
    return selectors.merges_of(organization=organization_of(request), customer=customer)


@router.post(
    "/merges/{int:merge_id}/undo",
    response={200: MergeOut, **errors(400, 401, 403, 404, 422)},
    operation_id="customers_unmerge",
    summary="Undo a merge",
    tags=TAGS,
    **scoped(WRITE, "customer.merge"),
)
def customers_unmerge(request: HttpRequest, merge_id: int) -> CustomerMerge:
    """Every row the merge moved goes back and the source customer is active again.
    Retrying an undo that went through returns the undone merge."""
    merge = merge_or_404(request, merge_id)
    if merge.undone_at is None:
        services.customer_unmerge(merge=merge, actor=actor_of(request))
        merge = merge_or_404(request, merge_id)
    return merge
