"""Follows through the API: what a customer follows by email, and how updates arrive (for an
integration that keeps a customer's preferences in step with another system)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from sayso.api.auth import organization_of, scoped
from sayso.api.lookups import customer_or_404
from sayso.api.schemas import Id, InputSchema, Timestamp, errors
from sayso.community import following
from sayso.community.models import Delivery, Follow
from sayso.core.models import Scope
from sayso.core.web import is_object_id

router = Router()
TAGS = ["follows"]


class FollowOut(Schema):
    id: int
    customer_id: int
    subject: str
    delivery: Delivery
    created_at: Timestamp


class FollowIn(InputSchema):
    customer_id: Id
    subject: str = Field(
        max_length=64,
        description="`ideas`, `changelog`, `roadmap`, or `idea:<id>`, `category:<id>`, "
        "`review:<id>`, `roadmap-item:<id>`, `changelog-entry:<id>`.",
    )
    delivery: Delivery | None = Field(None, description="Default: the customer's choice.")


@router.get(
    "",
    response={200: list[FollowOut], **errors(401, 403, 404, 422)},
    operation_id="follows_list",
    summary="What a customer follows",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_READ, "follow.read"),
)
def follows_list(request: HttpRequest, customer_id: Id) -> Any:
    customer = customer_or_404(request, customer_id, field="customer_id")
    return list(Follow.objects.filter(customer=customer).order_by("subject"))


@router.post(
    "",
    response={201: FollowOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="follows_create",
    summary="Make a customer follow something",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_WRITE, "follow.write"),
)
def follows_create(request: HttpRequest, payload: FollowIn) -> Status[Follow]:
    """Idempotent: following again returns the same follow (with `delivery` updated)."""
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    subject = following.subject_check(
        organization=organization_of(request), subject=payload.subject, customer=customer
    )
    follow = following.follow_add(customer=customer, subject=subject, delivery=payload.delivery)
    return Status(201, follow)


@router.delete(
    "/{int:follow_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="follows_delete",
    summary="Stop a follow",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_WRITE, "follow.write"),
)
def follows_delete(request: HttpRequest, follow_id: int) -> Status[None]:
    follow = (
        Follow.objects.filter(organization=organization_of(request), pk=follow_id)
        .select_related("customer")
        .first()
        if is_object_id(follow_id)
        else None
    )
    if follow is None:
        raise Http404()
    following.follow_remove(customer=follow.customer, subject=follow.subject)
    return Status(204, None)
