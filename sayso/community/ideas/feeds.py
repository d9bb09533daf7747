"""Atom feeds of the idea board and of one idea, and the base of every community thread's feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from sayso.community.ideas import selectors
from sayso.community.models import (
    Category,
    Idea,
    IdeaStatus,
)
from sayso.core.markup import plain_text, render_markdown, stored_html
from sayso.core.models import Organization
from sayso.core.selectors import organization_by_slug

FEED_ITEMS = 50


def organization_or_404(slug: str) -> Organization:
    organization = organization_by_slug(slug=slug)
    if organization is None:
        raise Http404("No such organization.")
    return organization


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    html: str
    link: str
    published: datetime
    updated: datetime
    author: str


class EntryFeed(Feed):
    """An Atom feed whose items are ``Entry`` rows (an idea's or a review's thread)."""

    feed_type = Atom1Feed

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.html

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.guid

    item_guid_is_permalink = False

    def item_pubdate(self, item: Entry) -> datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> datetime:
        return item.updated

    def item_author_name(self, item: Entry) -> str:
        return item.author


@dataclass(frozen=True)
class BoardScope:
    organization: Organization
    category: Category | None


class BoardFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, org: str) -> BoardScope:
        organization = organization_or_404(org)
        slug = request.GET.get("category", "")[:80]
        category = selectors.category_by_slug(organization=organization, slug=slug)
        if slug and category is None:
            raise Http404("No such category.")
        return BoardScope(organization, category)

    def title(self, obj: BoardScope) -> str:
        where = f" — {obj.category.name}" if obj.category else ""
        return f"{obj.organization.name}: new ideas{where}"

    def subtitle(self, obj: BoardScope) -> str:
        return f"Ideas suggested to {obj.organization.name}, newest first."

    def link(self, obj: BoardScope) -> str:
        path = reverse("idea-board", kwargs={"org": obj.organization.slug})
        return f"{path}?category={obj.category.slug}" if obj.category else path

    def feed_guid(self, obj: BoardScope) -> str:
        suffix = f":category:{obj.category.pk}" if obj.category else ""
        return f"tag:sayso,2024:{obj.organization.slug}:ideas{suffix}"

    def items(self, obj: BoardScope) -> list[Idea]:
        filters = selectors.BoardFilters(
            sort="new", category=obj.category.slug if obj.category else ""
        )
        board = selectors.idea_board(organization=obj.organization, filters=filters)
        return list(board.select_related("author")[:FEED_ITEMS])

    def item_title(self, item: Idea) -> str:
        return f"#{item.number} {item.title}"

    def item_description(self, item: Idea) -> str:
        return str(render_markdown(item.body)) or plain_text(item.title)

    def item_link(self, item: Idea) -> str:
        return reverse("idea-detail", kwargs={"org": item.organization.slug, "number": item.number})

    def item_guid(self, item: Idea) -> str:
        return f"tag:sayso,2024:{item.organization.slug}:idea:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Idea) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Idea) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Idea) -> str:
        return item.author.public_name if item.author else item.organization.name

    def item_categories(self, item: Idea) -> list[str]:
        return [IdeaStatus(item.status).label] + ([item.category.name] if item.category else [])


class IdeaFeed(EntryFeed):
    def get_object(self, request: HttpRequest, org: str, number: int) -> Idea:
        idea = selectors.idea_get(organization=organization_or_404(org), number=number)
        if idea is None or not idea.is_public:
            raise Http404("No such idea.")
        return idea

    def title(self, obj: Idea) -> str:
        return f"{obj.organization.name}: idea #{obj.number} {obj.title}"

    def subtitle(self, obj: Idea) -> str:
        return "Status changes, the team's response and comments."

    def link(self, obj: Idea) -> str:
        return reverse("idea-detail", kwargs={"org": obj.organization.slug, "number": obj.number})

    def feed_guid(self, obj: Idea) -> str:
        return f"tag:sayso,2024:{obj.organization.slug}:idea:{obj.pk}:updates"

    def items(self, obj: Idea) -> list[Entry]:
        link = self.link(obj)
        org = obj.organization
        entries = [
            Entry(
                guid=f"tag:sayso,2024:{org.slug}:idea:{obj.pk}:status:{change.pk}",
                title=f"Now {change.get_to_status_display().lower()}",
                html=str(render_markdown(change.reason)),
                link=link,
                published=change.created_at,
                updated=change.created_at,
                author=org.name,
            )
            for change in selectors.idea_status_history(idea=obj)
        ]
        if obj.official_response and obj.official_response_at:
            entries.append(
                Entry(
                    guid=f"tag:sayso,2024:{org.slug}:idea:{obj.pk}:response",
                    title="Official response",
                    html=str(render_markdown(obj.official_response)),
                    link=link,
                    published=obj.official_response_at,
                    updated=obj.official_response_at,
                    author=org.name,
                )
            )
        for comment in selectors.idea_comments(idea=obj).order_by("-created_at", "-id")[
            :FEED_ITEMS
        ]:
            who = comment.author.public_name if comment.author else f"{org.name} team"
            entries.append(
                Entry(
                    guid=f"tag:sayso,2024:{org.slug}:comment:{comment.pk}",
                    title=f"Comment by {who}",
                    html=str(stored_html(comment.body_html, comment.body)),
                    link=f"{link}#comment-{comment.pk}",
                    published=comment.created_at,
                    updated=comment.updated_at,
                    author=who,
                )
            )
        entries.sort(key=lambda e: e.published, reverse=True)
        return entries[:FEED_ITEMS]
