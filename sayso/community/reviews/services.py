"""Reviews: customers rate (1 to 5) and review the company or a product, staff reply in public,
and nothing is hidden for being negative — only spam, abuse or personal data, each hide in the
public moderation log.

Writes (``review_*``) and the reads the pages, API and feed share (``review_list``,
``review_summary``) live together here: a small module named for what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sayso.community import following
from sayso.community.following import Event, announce
from sayso.community.models import (
    BODY_MAX,
    TITLE_MAX,
    ModerationAction,
    Product,
    Review,
)
from sayso.community.moderation import HideReason, hide_reason, moderation_record, staff_role
from sayso.community.posting import HELD_BY_FILTER, held_reason, post_publish, post_screen
from sayso.core.markup import plain_text
from sayso.core.models import Organization
from sayso.customers.models import Customer


def review_subject(review: Review | int) -> str:
    return f"review:{review if isinstance(review, int) else review.pk}"


def _path(review: Review) -> str:
    path = reverse("reviews", kwargs={"org": review.organization.slug})
    query = f"?product={review.product.slug}" if review.product is not None else ""
    return f"{path}{query}#review-{review.pk}"


def product_create(*, organization: Organization, name: str) -> Product:
    name = (name or "").strip()[:120]
    if not name:
        raise ValidationError({"name": "The product needs a name."})
    product, _ = Product.objects.get_or_create(
        organization=organization, slug=slugify(name)[:120] or "product", defaults={"name": name}
    )
    return product


@transaction.atomic
def review_post(
    *,
    customer: Customer,
    rating: int,
    title: str = "",
    body: str = "",
    product: Product | None = None,
) -> tuple[Review, bool]:
    """Rate and review; a second review of the same subject by the same customer replaces
    the first (returns (review, created)). Spam is held, never published."""
    if product is not None and product.organization_id != customer.organization_id:
        raise ValidationError("That product belongs to another organization.")
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "Rate from 1 to 5 stars."})
    title = (title or "").replace("\x00", "").strip()
    body = (body or "").replace("\x00", "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"The title is too long (at most {TITLE_MAX})."})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": f"The review is too long ({len(body):,} of {BODY_MAX:,})."})
    reasons = (
        post_screen(
            organization_id=customer.organization_id,
            kind="review",
            text=f"{title}\n\n{body}",
            author=customer,
        )
        if (title or body)
        else []
    )
    now = timezone.now()
    existing = Review.objects.select_for_update().filter(customer=customer, product=product).first()
    created = existing is None
    review = existing or Review(
        organization_id=customer.organization_id, customer=customer, product=product
    )
    changed = created or (review.rating, review.title, review.body) != (rating, title, body)
    review.rating, review.title, review.body = rating, title, body
    if reasons and changed:
        review.hidden_at = now
        review.hidden_reason = held_reason(reasons)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a concurrent first review of the same subject
        raise ValidationError("You have already reviewed this; edit that review.") from exc
    # A review has no announcement of its own; held or public, its author follows its thread.
    post_publish(
        organization=review.organization,
        author=customer,
        reasons=reasons if changed else [],
        published=None,
        review=review,
    )
    following.follow_on_participation(customer, review_subject(review))
    return review, created


@transaction.atomic
def review_reply(*, review: Review, body: str, actor: Any) -> Review:
    """The team's public reply (an empty body removes it); the reviewer is told."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    body = (body or "").replace("\x00", "").strip()
    if len(body) > BODY_MAX:
        raise ValidationError({"body": "The reply is too long."})
    if body and body != review.reply:
        announce(
            organization=review.organization,
            subjects=[review_subject(review)],
            also=[review.customer_id],
            event=Event(
                key=f"review-reply:{review.pk}:{timezone.now().timestamp():.0f}",
                title=f"{review.organization.name} replied to your review",
                text=plain_text(body, limit=1000),
                url=_path(review),
            ),
        )
    review.reply = body
    review.reply_by = actor if body else None
    review.reply_at = timezone.now() if body else None
    review.save(update_fields=["reply", "reply_by", "reply_at", "updated_at"])
    return review


@transaction.atomic
def review_hide(*, review: Review, category: str, explanation: str = "", actor: Any) -> Review:
    """Hide a review for spam, abuse or personal data only — never for its rating."""
    reason = hide_reason(category, explanation)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.hidden_at is not None:
        raise ValidationError("This review is already hidden.")
    review.hidden_at = timezone.now()
    review.hidden_reason = reason
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    review.flags.filter(resolved_at__isnull=True).update(resolved_at=review.hidden_at)
    moderation_record(
        organization=review.organization,
        action=ModerationAction.SPAM if category == HideReason.SPAM else ModerationAction.HIDE,
        review=review,
        reason=reason,
        actor=actor,
        actor_role=staff_role(review.organization, actor),
    )
    return review


@transaction.atomic
def review_restore(*, review: Review, actor: Any, reason: str = "") -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.hidden_at is None:
        raise ValidationError("This review is not hidden.")
    held_by_filter = review.hidden_reason.startswith(HELD_BY_FILTER)
    review.hidden_at = None
    review.hidden_reason = ""
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    moderation_record(
        organization=review.organization,
        action=ModerationAction.NOT_SPAM if held_by_filter else ModerationAction.RESTORE,
        review=review,
        reason=(reason or "").strip() or ("Not spam" if held_by_filter else "Restored"),
        actor=actor,
        actor_role=staff_role(review.organization, actor),
    )
    return review


# --- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average: float | None
    distribution: list[tuple[int, int, int]]  # (stars, count, percent of all), 5 stars first


def public_reviews(
    *, organization: Organization, product: Product | None = None, any_product: bool = False
) -> QuerySet[Review]:
    """Published reviews, newest first: of the company (``product`` None), of one product, or
    with ``any_product`` of everything."""
    # A merged-away record's review (one the surviving record's review supersedes) is not shown.
    reviews = Review.objects.filter(
        organization=organization, hidden_at__isnull=True, customer__merged_into__isnull=True
    )
    if not any_product:
        reviews = reviews.filter(product=product)
    return reviews.select_related("customer", "product", "reply_by", "organization").order_by(
        "-created_at", "-id"
    )


def review_summary(*, organization: Organization, product: Product | None = None) -> ReviewSummary:
    reviews = Review.objects.filter(
        organization=organization,
        hidden_at__isnull=True,
        customer__merged_into__isnull=True,
        product=product,
    )
    totals = reviews.aggregate(n=Count("id"), avg=Avg("rating"))
    by_rating = dict(
        reviews.values_list("rating").annotate(n=Count("id")).values_list("rating", "n")
    )
    count = int(totals["n"] or 0)
    distribution = [
        (
            stars,
            by_rating.get(stars, 0),
            round(100 * by_rating.get(stars, 0) / count) if count else 0,
        )
        for stars in range(5, 0, -1)
    ]
    average = round(float(totals["avg"]), 2) if totals["avg"] is not None else None
    return ReviewSummary(count, average, distribution)


def products(*, organization: Organization) -> QuerySet[Product]:
    return Product.objects.filter(organization=organization).order_by("name")


def product_by_slug(*, organization: Organization, slug: str) -> Product | None:
    if not slug:
        return None
    return Product.objects.filter(organization=organization, slug=slug[:120]).first()


def review_get(*, organization: Organization, pk: int) -> Review | None:
    return (
        Review.objects.filter(organization=organization, pk=pk)
        .select_related("customer", "product", "organization")
        .first()
    )


def review_of(*, customer: Customer | None, product: Product | None) -> Review | None:
    if customer is None:
        return None
    return Review.objects.filter(customer=customer, product=product).first()


def held_reviews(*, organization: Organization) -> QuerySet[Review]:
    return (
        Review.objects.filter(organization=organization, hidden_at__isnull=False)
        .select_related("customer", "product")
        .order_by("-hidden_at")
    )
