"""Atom feeds of the idea board and of one idea (on ``sayso.core.feeds.AtomFeed``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.urls import reverse

from sayso.community.ideas import selectors
from sayso.community.models import Category, Idea, IdeaStatus
from sayso.core.feeds import FEED_ITEMS, AtomFeed, Entry, organization_or_404, public_name, tag
from sayso.core.markup import plain_text, render_markdown, stored_html
from sayso.core.models import Organization


@dataclass(frozen=True)
class BoardScope:
    organization: Organization
    category: Category | None


class BoardFeed(AtomFeed):
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
        category = ("category", obj.category.pk) if obj.category else ()
        return tag(obj.organization.slug, "ideas", *category)

    def items(self, obj: BoardScope) -> list[Entry]:
        filters = selectors.BoardFilters(
            sort="new", category=obj.category.slug if obj.category else ""
        )
        board = selectors.idea_board(organization=obj.organization, filters=filters)
        return [
            Entry(
                guid=tag(idea.organization.slug, "idea", idea.pk),
                title=f"#{idea.number} {idea.title}",
                html=str(render_markdown(idea.body)) or plain_text(idea.title),
                link=reverse(
                    "idea-detail", kwargs={"org": idea.organization.slug, "number": idea.number}
                ),
                published=idea.created_at,
                updated=idea.updated_at,
                author=public_name(idea.author, otherwise=idea.organization.name),
                categories=(
                    str(IdeaStatus(idea.status).label),
                    *([idea.category.name] if idea.category else []),
                ),
            )
            for idea in board.select_related("author")[:FEED_ITEMS]
        ]


class IdeaFeed(AtomFeed):
    """One idea's status changes, the team's response and the comments, newest first."""

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
        return tag(obj.organization.slug, "idea", obj.pk, "updates")

    def items(self, obj: Idea) -> list[Entry]:
        link = self.link(obj)
        org = obj.organization
        entries = [
            Entry(
                guid=tag(org.slug, "idea", obj.pk, "status", change.pk),
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
                    guid=tag(org.slug, "idea", obj.pk, "response"),
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
            who = public_name(comment.author, otherwise=f"{org.name} team")
            entries.append(
                Entry(
                    guid=tag(org.slug, "comment", comment.pk),
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
