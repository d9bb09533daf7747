"""Atom feeds of the reviews and of one review's thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from sayso.community.ideas import comments
from sayso.community.ideas.feeds import FEED_ITEMS, Entry, EntryFeed, organization_or_404
from sayso.core.markup import render_markdown
from sayso.core.models import Organization


class ReviewFeed(Feed):
    """Published reviews of the company (or of ``?product=<slug>``), newest first."""

    feed_type = Atom1Feed

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
        return f"tag:sayso,2024:{organization.slug}:reviews" + (f":{product.pk}" if product else "")

    def items(self, obj: tuple[Organization, Any]) -> list[Any]:
        from sayso.community import reviews

        organization, product = obj
        return list(reviews.public_reviews(organization=organization, product=product)[:FEED_ITEMS])

    def item_title(self, item: Any) -> str:
        stars = "★" * item.rating + "☆" * (5 - item.rating)
        return f"{stars} {item.title or item.customer.public_name}"

    def item_description(self, item: Any) -> str:
        reply = (
            format_html(
                "<p><strong>{} replied:</strong></p>{}",
                item.organization.name,
                render_markdown(item.reply),
            )
            if item.reply
            else ""
        )
        return str(render_markdown(item.body)) + reply

    def item_link(self, item: Any) -> str:
        path = reverse("reviews", kwargs={"org": item.organization.slug})
        query = f"?product={item.product.slug}" if item.product_id else ""
        return f"{path}{query}#review-{item.pk}"

    def item_guid(self, item: Any) -> str:
        return f"tag:sayso,2024:{item.organization.slug}:review:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Any) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Any) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Any) -> str:
        return str(item.customer.public_name)


class ReviewThreadFeed(EntryFeed):
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
        path = reverse("reviews", kwargs={"org": obj.organization.slug})
        query = f"?product={obj.product.slug}" if obj.product_id else ""
        return f"{path}{query}#review-{obj.pk}"

    def feed_guid(self, obj: Any) -> str:
        return f"tag:sayso,2024:{obj.organization.slug}:review:{obj.pk}:thread"

    def items(self, obj: Any) -> list[Entry]:
        link = self.link(obj)
        slug = obj.organization.slug
        stars = "★" * obj.rating + "☆" * (5 - obj.rating)
        entries = [
            Entry(
                guid=f"tag:sayso,2024:{slug}:review:{obj.pk}",
                title=f"{stars} {obj.title or 'Review'}",
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
                    guid=f"tag:sayso,2024:{slug}:review:{obj.pk}:reply",
                    title=f"{obj.organization.name} replied",
                    html=str(render_markdown(obj.reply)),
                    link=link,
                    published=obj.reply_at,
                    updated=obj.reply_at,
                    author=obj.organization.name,
                )
            )
        for comment, html in comments.comments_on(target=obj)[-FEED_ITEMS:]:
            who = comment.author.public_name if comment.author else f"{obj.organization.name} team"
            entries.append(
                Entry(
                    guid=f"tag:sayso,2024:{slug}:comment:{comment.pk}",
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
