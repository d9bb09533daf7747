"""The changelog as an Atom 1.0 feed."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from sayso.core.markup import render_markdown
from sayso.core.models import Organization
from sayso.notifications.feeds import OrganizationFeed
from sayso.roadmap import selectors
from sayso.roadmap.models import ChangelogEntry, RoadmapItem


class ChangelogFeed(OrganizationFeed):
    name = "changelog"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: changelog"

    def subtitle(self, obj: Organization) -> str:
        return f"What {obj.name} shipped, and the ideas it answers."

    def link(self, obj: Organization) -> str:
        return reverse("changelog", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[ChangelogEntry]:
        return list(selectors.changelog(organization=obj)[:50])

    def item_title(self, item: ChangelogEntry) -> str:
        return item.title

    def item_description(self, item: ChangelogEntry) -> str:
        return str(render_markdown(item.body))

    def item_link(self, item: ChangelogEntry) -> str:
        return reverse("changelog-entry", kwargs={"org": item.organization.slug, "pk": item.pk})

    def item_guid(self, item: ChangelogEntry) -> str:
        return f"tag:sayso,2024:{item.organization.slug}:changelog:{item.pk}"

    def item_pubdate(self, item: ChangelogEntry) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: ChangelogEntry) -> datetime:
        return item.updated_at


class RoadmapFeed(OrganizationFeed):
    """The roadmap's items, newest changes first (an item moving horizon is updated)."""

    name = "roadmap"

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: roadmap"

    def link(self, obj: Organization) -> str:
        return reverse("roadmap", kwargs={"org": obj.slug})

    def items(self, obj: Organization) -> list[RoadmapItem]:
        items = [item for _, _, column in selectors.roadmap(organization=obj) for item in column]
        return sorted(items, key=lambda item: item.updated_at, reverse=True)[:50]

    def item_title(self, item: RoadmapItem) -> str:
        return f"{item.get_horizon_display()}: {item.title}"

    def item_description(self, item: RoadmapItem) -> str:
        return str(render_markdown(item.body))

    def item_link(self, item: RoadmapItem) -> str:
        return reverse("roadmap-item", kwargs={"org": item.organization.slug, "pk": item.pk})

    def item_guid(self, item: RoadmapItem) -> str:
        return f"tag:sayso,2024:{item.organization.slug}:roadmap-item:{item.pk}"

    def item_pubdate(self, item: RoadmapItem) -> datetime:
        return item.created_at

    def item_updateddate(self, item: RoadmapItem) -> datetime:
        return item.updated_at
