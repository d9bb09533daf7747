"""Reviews: customers rate (1 to 5) and review the company or a product, staff reply in public,
and nothing is hidden for being negative. Other apps use what this module exports."""

from sayso.community.reviews.services import (
    ReviewSummary,
    held_reviews,
    product_by_slug,
    product_create,
    products,
    public_reviews,
    review_get,
    review_hide,
    review_of,
    review_post,
    review_reply,
    review_restore,
    review_subject,
    review_summary,
)

__all__ = [
    "ReviewSummary",
    "held_reviews",
    "product_by_slug",
    "product_create",
    "products",
    "public_reviews",
    "review_get",
    "review_hide",
    "review_of",
    "review_post",
    "review_reply",
    "review_restore",
    "review_subject",
    "review_summary",
]
