"""Reviews through the API: read them and their summary, reply in public, hide (spam, abuse,
personal data only) and restore. Reviews are written by customers on the portal only: the API
cannot post one on a customer's behalf."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.idea_schemas import HideIn, RestoreIn
from sayso.api.lookups import one_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import InputSchema, PublicCustomerRef, Slug, Timestamp, errors
from sayso.community import reviews
from sayso.community.models import BODY_MAX, Review
from sayso.core.models import Scope

router = Router()
TAGS = ["reviews"]


class ReviewOut(Schema):
    id: int
    customer: PublicCustomerRef
    product: str | None = Field(description="The product's slug; null for the company.")
    rating: int
    title: str
    body: str
    hidden: bool
    hidden_reason: str
    reply: str
    reply_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_product(obj: Any) -> str | None:
        return obj.product.slug if obj.product_id else None

    @staticmethod
    def resolve_hidden(obj: Any) -> bool:
        return obj.hidden_at is not None


class StarsOut(Schema):
    stars: int
    count: int
    percent: int


class ReviewSummaryOut(Schema):
    count: int
    average: float | None
    distribution: list[StarsOut]


class ReplyIn(InputSchema):
    body: str = Field(max_length=BODY_MAX, description="Markdown; empty removes the reply.")


def _product(request: HttpRequest, slug: str) -> Any:
    if not slug:
        return None
    product = reviews.product_by_slug(organization=organization_of(request), slug=slug)
    if product is None:
        raise HttpError(404, f"No product “{slug[:120]}”.")
    return product


def _review_or_404(request: HttpRequest, pk: int) -> Review:
    return one_or_404(request, reviews.review_get, pk)


@router.get(
    "",
    response={200: list[ReviewOut], **errors(401, 403, 404, 422)},
    operation_id="reviews_list",
    summary="List reviews",
    tags=TAGS,
    **scoped(Scope.IDEAS_READ, "review.read"),
)
@paginate(Page, max_limit=200)
def reviews_list(request: HttpRequest, product: Slug = "", include_hidden: bool = False) -> Any:
    """Newest first, of the company or of `product` (a slug); `include_hidden` adds those
    held by the spam filter or hidden by staff."""
    organization = organization_of(request)
    chosen = _product(request, product)
    if include_hidden:
        return (
            Review.objects.filter(organization=organization, product=chosen)
            .select_related("customer", "product")
            .order_by("-created_at", "-id")
        )
    return reviews.public_reviews(organization=organization, product=chosen)


@router.get(
    "/summary",
    response={200: ReviewSummaryOut, **errors(401, 403, 404, 422)},
    operation_id="reviews_summary",
    summary="Average rating and distribution",
    tags=TAGS,
    **scoped(Scope.IDEAS_READ, "review.read"),
)
def reviews_summary(request: HttpRequest, product: Slug = "") -> dict[str, Any]:
    summary = reviews.review_summary(
        organization=organization_of(request), product=_product(request, product)
    )
    return {
        "count": summary.count,
        "average": summary.average,
        "distribution": [
            {"stars": stars, "count": count, "percent": percent}
            for stars, count, percent in summary.distribution
        ],
    }


@router.post(
    "/{int:review_id}/reply",
    response={200: ReviewOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="reviews_reply",
    summary="Reply to a review in public",
    tags=TAGS,
    **scoped(Scope.IDEAS_WRITE, "review.reply"),
)
def reviews_reply(request: HttpRequest, review_id: int, payload: ReplyIn) -> Review:
    return reviews.review_reply(
        review=_review_or_404(request, review_id), body=payload.body, actor=actor_of(request)
    )


@router.post(
    "/{int:review_id}/hide",
    response={200: ReviewOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="reviews_hide",
    summary="Hide a review (spam, abuse or personal data)",
    tags=["moderation"],
    **scoped(Scope.MODERATION, "review.moderate"),
)
def reviews_hide(request: HttpRequest, review_id: int, payload: HideIn) -> Review:
    """Never for its rating or its criticism; the public moderation log shows the reason."""
    return reviews.review_hide(
        review=_review_or_404(request, review_id),
        category=payload.category,
        explanation=payload.explanation,
        actor=actor_of(request),
    )


@router.post(
    "/{int:review_id}/restore",
    response={200: ReviewOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="reviews_restore",
    summary="Publish a hidden or held review again",
    tags=["moderation"],
    **scoped(Scope.MODERATION, "review.moderate"),
)
def reviews_restore(request: HttpRequest, review_id: int, payload: RestoreIn) -> Review:
    return reviews.review_restore(
        review=_review_or_404(request, review_id), actor=actor_of(request), reason=payload.reason
    )
