"""The changelog as an Atom 1.0 feed."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from sayso.core.markup import render_markdown
from sayso.core.models import Organization
from sayso.core.selectors import organization_by_slug
from sayso.roadmap import selectors
from sayso.roadmap.models import ChangelogEntry, RoadmapItem


class ChangelogFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, org: str) -> Organization:
        organization = organization_by_slug(slug=org)
        if organization is None:
            raise Http404("No such organization.")
        return organization

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: changelog"

    def subtitle(self, obj: Organization) -> str:
        return f"What {obj.name} shipped, and the ideas it answers."

    def link(self, obj: Organization) -> str:
        return reverse("changelog", kwargs={"org": obj.slug})

    def feed_guid(self, obj: Organization) -> str:
        return f"tag:sayso,2024:{obj.slug}:changelog"

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

    item_guid_is_permalink = False

    def item_pubdate(self, item: ChangelogEntry) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: ChangelogEntry) -> datetime:
        return item.updated_at


class RoadmapFeed(Feed):
    """The roadmap's items, newest changes first (an item moving horizon is updated)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, org: str) -> Organization:
        organization = organization_by_slug(slug=org)
        if organization is None:
            raise Http404("No such organization.")
        return organization

    def title(self, obj: Organization) -> str:
        return f"{obj.name}: roadmap"

    def link(self, obj: Organization) -> str:
        return reverse("roadmap", kwargs={"org": obj.slug})

    def feed_guid(self, obj: Organization) -> str:
        return f"tag:sayso,2024:{obj.slug}:roadmap"

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

    item_guid_is_permalink = False

    def item_pubdate(self, item: RoadmapItem) -> datetime:
        return item.created_at

    def item_updateddate(self, item: RoadmapItem) -> datetime:
        return item.updated_at
