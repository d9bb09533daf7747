"""Atom feeds of the reviews and of one review's thread."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from sayso.community.ideas import comments
from sayso.core.feeds import FEED_ITEMS, AtomFeed, Entry, organization_or_404, public_name, tag
from sayso.core.markup import render_markdown
from sayso.core.models import Organization


def _stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def _review_link(review: Any) -> str:
    path = reverse("reviews", kwargs={"org": review.organization.slug})
    query = f"?product={review.product.slug}" if review.product_id else ""
    return f"{path}{query}#review-{review.pk}"


def _reply(review: Any) -> str:
    """The team's reply, shown under the review."""
    if not review.reply:
        return ""
    return format_html(
        "<p><strong>{} replied:</strong></p>{}",
        review.organization.name,
        render_markdown(review.reply),
    )


class ReviewFeed(AtomFeed):
    """Published reviews of the company (or of ``?product=<slug>``), newest first."""

    def get_object(self, request: HttpRequest, org: str) -> tuple[Organization, Any]:
        from sayso.community import reviews

        organization = organization_or_404(org)
        slug = request.GET.get("product", "")[:120]
        product = reviews.product_by_slug(organization=organization, slug=slug)
        if slug and product is None:
            raise Http404("No such product.")
        return organization, product

    def title(self, obj: tuple[Organization, Any]) -> str:
        organization, product = obj
        return f"{organization.name}: reviews of {product.name if product else organization.name}"

    def link(self, obj: tuple[Organization, Any]) -> str:
        organization, product = obj
        path = reverse("reviews", kwargs={"org": organization.slug})
        return f"{path}?product={product.slug}" if product else path

    def feed_guid(self, obj: tuple[Organization, Any]) -> str:
        organization, product = obj
        return tag(organization.slug, "reviews", *((product.pk,) if product else ()))

    def items(self, obj: tuple[Organization, Any]) -> list[Entry]:
        from sayso.community import reviews

        organization, product = obj
        found = reviews.public_reviews(organization=organization, product=product)[:FEED_ITEMS]
        return [
            Entry(
                guid=tag(review.organization.slug, "review", review.pk),
                title=f"{_stars(review.rating)} {review.title or review.customer.public_name}",
                html=str(render_markdown(review.body)) + _reply(review),
                link=_review_link(review),
                published=review.created_at,
                updated=review.updated_at,
                author=str(review.customer.public_name),
            )
            for review in found
        ]


class ReviewThreadFeed(AtomFeed):
    """One review's thread: the review, the team's reply and the public comments."""

    def get_object(self, request: HttpRequest, org: str, pk: int) -> Any:
        from sayso.community import reviews

        review = reviews.review_get(organization=organization_or_404(org), pk=pk)
        if review is None or review.hidden_at is not None or review.customer.merged_into_id:
            raise Http404("No such review.")
        return review

    def title(self, obj: Any) -> str:
        return f"{obj.organization.name}: {obj.customer.public_name}'s review"

    def link(self, obj: Any) -> str:
        return _review_link(obj)

    def feed_guid(self, obj: Any) -> str:
        return tag(obj.organization.slug, "review", obj.pk, "thread")

    def items(self, obj: Any) -> list[Entry]:
        link = self.link(obj)
        slug = obj.organization.slug
        entries = [
            Entry(
                guid=tag(slug, "review", obj.pk),
                title=f"{_stars(obj.rating)} {obj.title or 'Review'}",
                html=str(render_markdown(obj.body)),
                link=link,
                published=obj.created_at,
                updated=obj.updated_at,
                author=obj.customer.public_name,
            )
        ]
        if obj.reply and obj.reply_at:
            entries.append(
                Entry(
                    guid=tag(slug, "review", obj.pk, "reply"),
                    title=f"{obj.organization.name} replied",
                    html=str(render_markdown(obj.reply)),
                    link=link,
                    published=obj.reply_at,
                    updated=obj.reply_at,
                    author=obj.organization.name,
                )
            )
        for comment, html in comments.comments_on(target=obj)[-FEED_ITEMS:]:
            who = public_name(comment.author, otherwise=f"{obj.organization.name} team")
            entries.append(
                Entry(
                    guid=tag(slug, "comment", comment.pk),
                    title=f"Comment by {who}",
                    html=str(html),
                    link=link.split("#")[0] + f"#comment-{comment.pk}",
                    published=comment.created_at,
                    updated=comment.updated_at,
                    author=who,
                )
            )
        entries.sort(key=lambda e: e.published, reverse=True)
        return entries
