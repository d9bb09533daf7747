"""The base of the Atom feeds that cover a whole organization (the roadmap, the changelog, the
status page): the organization from the URL's slug, Atom 1.0, and ``tag:`` ids."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed

from sayso.core.models import Organization
from sayso.core.selectors import organization_by_slug


class OrganizationFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False
    name = ""  # the feed's part of its tag: id ("changelog", "status", …)

    def get_object(self, request: HttpRequest, org: str) -> Organization:
        organization = organization_by_slug(slug=org)
        if organization is None:
            raise Http404("No such organization.")
        return organization

    def feed_guid(self, obj: Organization) -> str:
        return f"tag:sayso,2024:{obj.slug}:{self.name}"
