"""The roadmap and the changelog as Atom 1.0 feeds."""

from __future__ import annotations

from django.urls import reverse

from sayso.core.feeds import FEED_ITEMS, AtomFeed, Entry, tag
from sayso.core.markup import render_markdown
from sayso.core.models import Organization
from sayso.roadmap import selectors


class ChangelogFeed(AtomFeed):
    name = "changelog"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: changelog"

    def subtitle(self, obj: Organization) -> str:
        return f"What {obj.name} shipped, and the ideas it answers."

    def link(self, obj: Organization) -> str:
        return reverse("changelog", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[Entry]:
        return [
            Entry(
                guid=tag(obj.slug, "changelog", entry.pk),
                title=entry.title,
                html=str(render_markdown(entry.body)),
                link=reverse("changelog-entry", kwargs={"org": obj.slug, "pk": entry.pk}),
                # The selector returns published entries only.
                published=entry.published_at or entry.updated_at,
                updated=entry.updated_at,
            )
            for entry in selectors.changelog(organization=obj)[:FEED_ITEMS]
        ]


class RoadmapFeed(AtomFeed):
    """The roadmap's items, newest changes first (an item moving horizon is updated)."""

    name = "roadmap"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: roadmap"

    def link(self, obj: Organization) -> str:
        return reverse("roadmap", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[Entry]:
        items = [item for _, _, column in selectors.roadmap(organization=obj) for item in column]
        items.sort(key=lambda item: item.updated_at, reverse=True)
        return [
            Entry(
                guid=tag(obj.slug, "roadmap-item", item.pk),
                title=f"{item.get_horizon_display()}: {item.title}",
                html=str(render_markdown(item.body)),
                link=reverse("roadmap-item", kwargs={"org": obj.slug, "pk": item.pk}),
                published=item.created_at,
                updated=item.updated_at,
            )
            for item in items[:FEED_ITEMS]
        ]
